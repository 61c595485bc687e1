/// Property type numbers of draft-18 (§12, §15.8) and the reserved ranges of §2.5.
public enum PropertyType {
    /// OBJECT_DELIVERY_TIMEOUT (track, integer ms).
    public static let objectDeliveryTimeout: UInt64 = 0x02
    /// MAX_CACHE_DURATION (track, integer ms).
    public static let maxCacheDuration: UInt64 = 0x04
    /// SUBGROUP_DELIVERY_TIMEOUT (track, integer ms).
    public static let subgroupDeliveryTimeout: UInt64 = 0x06
    /// IMMUTABLE_PROPERTIES (track or object, nested Key-Value-Pairs).
    public static let immutableProperties: UInt64 = 0x0B
    /// DEFAULT_PUBLISHER_PRIORITY (track, 0...255, default 128).
    public static let defaultPublisherPriority: UInt64 = 0x0E
    /// DEFAULT_PUBLISHER_GROUP_ORDER (track, 1 or 2, default ascending).
    public static let defaultPublisherGroupOrder: UInt64 = 0x22
    /// DYNAMIC_GROUPS (track, 0 or 1).
    public static let dynamicGroups: UInt64 = 0x30
    /// PRIOR_GROUP_ID_GAP (object, integer).
    public static let priorGroupIDGap: UInt64 = 0x3C
    /// PRIOR_OBJECT_ID_GAP (object, integer).
    public static let priorObjectIDGap: UInt64 = 0x3E

    /// Mandatory Track Properties: an endpoint that does not understand one must not process the track.
    public static let mandatoryTrackRange: ClosedRange<UInt64> = 0x4000...0x7FFF

    /// True for types reserved for application-specific use (0x38-0x3F, 0x3800-0x3FFF).
    public static func isApplicationSpecific(_ type: UInt64) -> Bool {
        (0x38...0x3F).contains(type) || (0x3800...0x3FFF).contains(type)
    }

    /// True for Mandatory Track Property types.
    public static func isMandatoryTrackProperty(_ type: UInt64) -> Bool { mandatoryTrackRange.contains(type) }
}
