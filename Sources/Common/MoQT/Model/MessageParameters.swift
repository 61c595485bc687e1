/// The typed Message Parameters a request or response may carry (draft-18 §10.2).
///
/// `nil` means "absent" (each parameter's default then applies). Which parameters a message may
/// carry, and how each is encoded, is the wire profile's business.
public struct MessageParameters: Hashable, Sendable {
    /// AUTHORIZATION_TOKEN (may repeat).
    public var authorizationTokens: [AuthorizationToken] = []
    /// OBJECT_DELIVERY_TIMEOUT, milliseconds.
    public var objectDeliveryTimeout: UInt64?
    /// SUBGROUP_DELIVERY_TIMEOUT, milliseconds.
    public var subgroupDeliveryTimeout: UInt64?
    /// RENDEZVOUS_TIMEOUT, milliseconds.
    public var rendezvousTimeout: UInt64?
    /// EXPIRES, milliseconds (0: no expiry).
    public var expires: UInt64?
    /// LARGEST_OBJECT.
    public var largestObject: Location?
    /// FILL_TIMEOUT, milliseconds.
    public var fillTimeout: UInt64?
    /// FORWARD (default true).
    public var forward: Bool?
    /// SUBSCRIBER_PRIORITY (default 128; lower is more important).
    public var subscriberPriority: UInt8?
    /// SUBSCRIPTION_FILTER (absent: unfiltered).
    public var subscriptionFilter: SubscriptionFilter?
    /// GROUP_ORDER.
    public var groupOrder: GroupOrder?
    /// NEW_GROUP_REQUEST: largest known group + 1, or 0.
    public var newGroupRequest: UInt64?
    /// TRACK_NAMESPACE_PREFIX (REQUEST_UPDATE of namespace subscriptions).
    public var trackNamespacePrefix: TrackNamespace?
    /// INCLUDE_PROPERTIES (draft-22; absent elsewhere).
    public var includeProperties: Bool?
    /// FILL_PARAMETERS (draft-22): the nested parameter list's bytes, carried but not interpreted.
    public var fillParameters: [UInt8]?
    /// draft-22 Range Filters (0x25-0x29), in wire order; a filter with no SetID removes its type
    /// (REQUEST_UPDATE only).
    public var rangeFilters: [RangeFilter] = []

    /// No parameters.
    public init() {}

    /// True when no parameter is present.
    public var isEmpty: Bool { self == MessageParameters() }
}
