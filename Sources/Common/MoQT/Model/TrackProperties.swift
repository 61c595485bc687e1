import Wire

/// Track Properties (draft-18 §2.5, §12) with typed, validated accessors. Unknown properties
/// are kept so a relay can forward them unchanged.
public struct TrackProperties: Hashable, Sendable {
    /// The properties as received (wire order).
    public var pairs: [KeyValuePair]

    /// Properties from pairs.
    public init(_ pairs: [KeyValuePair] = []) { self.pairs = pairs }

    private func integer(_ type: UInt64) -> UInt64? { pairs.first { $0.type == type }?.integerValue }

    /// DEFAULT_PUBLISHER_PRIORITY (128 when absent); above 255 is PROTOCOL_VIOLATION.
    public func defaultPublisherPriority() throws -> UInt8 {
        guard let v = integer(PropertyType.defaultPublisherPriority) else { return 128 }
        guard v <= 255 else { throw MoQTError.protocolViolation("DEFAULT_PUBLISHER_PRIORITY \(v) above 255") }
        return UInt8(v)
    }

    /// DEFAULT_PUBLISHER_GROUP_ORDER (ascending when absent); other than 1/2 is PROTOCOL_VIOLATION.
    public func defaultGroupOrder() throws -> GroupOrder {
        guard let v = integer(PropertyType.defaultPublisherGroupOrder) else { return .ascending }
        guard v <= 2, let order = GroupOrder(rawValue: UInt8(v)) else {
            throw MoQTError.protocolViolation("DEFAULT_PUBLISHER_GROUP_ORDER \(v) is not 1 or 2")
        }
        return order
    }

    /// DYNAMIC_GROUPS (false when absent); above 1 is PROTOCOL_VIOLATION.
    public func dynamicGroups() throws -> Bool {
        guard let v = integer(PropertyType.dynamicGroups) else { return false }
        guard v <= 1 else { throw MoQTError.protocolViolation("DYNAMIC_GROUPS \(v) is not 0 or 1") }
        return v == 1
    }

    /// MAX_CACHE_DURATION in milliseconds, if present.
    public var maxCacheDuration: UInt64? { integer(PropertyType.maxCacheDuration) }
    /// OBJECT_DELIVERY_TIMEOUT in milliseconds, if present.
    public var objectDeliveryTimeout: UInt64? { integer(PropertyType.objectDeliveryTimeout) }
    /// SUBGROUP_DELIVERY_TIMEOUT in milliseconds, if present.
    public var subgroupDeliveryTimeout: UInt64? { integer(PropertyType.subgroupDeliveryTimeout) }

    /// Mandatory Track Property types present that are not in `understood` (non-empty means the
    /// track must be refused with UNSUPPORTED_EXTENSION, §2.5.1).
    public func unsupportedMandatory(understood: Set<UInt64> = []) -> [UInt64] {
        pairs.map(\.type).filter { PropertyType.isMandatoryTrackProperty($0) && !understood.contains($0) }
    }
}
