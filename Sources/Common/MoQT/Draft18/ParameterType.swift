extension Draft18 {
    /// Message Parameter types of draft-18 (§10.2, §15.7) and how each value is encoded.
    public enum ParameterType: UInt64, Sendable, CaseIterable {
        /// OBJECT_DELIVERY_TIMEOUT (varint).
        case objectDeliveryTimeout = 0x02
        /// AUTHORIZATION_TOKEN (length-prefixed Token; may repeat).
        case authorizationToken = 0x03
        /// RENDEZVOUS_TIMEOUT (varint).
        case rendezvousTimeout = 0x04
        /// SUBGROUP_DELIVERY_TIMEOUT (varint).
        case subgroupDeliveryTimeout = 0x06
        /// EXPIRES (varint).
        case expires = 0x08
        /// LARGEST_OBJECT (Location).
        case largestObject = 0x09
        /// FILL_TIMEOUT (varint).
        case fillTimeout = 0x0A
        /// FORWARD (uint8, 0 or 1).
        case forward = 0x10
        /// SUBSCRIBER_PRIORITY (uint8).
        case subscriberPriority = 0x20
        /// SUBSCRIPTION_FILTER (length-prefixed Subscription Filter); draft-22's LOCATION_FILTER
        /// (Location Filter Type first, no length).
        case subscriptionFilter = 0x21
        /// GROUP_ORDER (uint8, 1 or 2).
        case groupOrder = 0x22
        /// FILL_PARAMETERS (draft-22 only: a length-prefixed parameter list, kept as bytes).
        case fillParameters = 0x23
        /// NEW_GROUP_REQUEST (varint).
        /// draft-22 Range Filters (`RangeFilter`): SUBGROUP_FILTER .. TRACK_PROPERTY_FILTER.
        case subgroupFilter = 0x25
        case objectIDFilter = 0x26
        case priorityFilter = 0x27
        case objectPropertyFilter = 0x28
        case trackPropertyFilter = 0x29
        case newGroupRequest = 0x32
        /// TRACK_NAMESPACE_PREFIX (Track Namespace).
        case trackNamespacePrefix = 0x34
        /// INCLUDE_PROPERTIES (draft-22 only: uint8, 0 or 1).
        case includeProperties = 0x35

        /// Whether `draft` defines this parameter (elsewhere its type is unknown: PROTOCOL_VIOLATION).
        public func isDefined(in draft: MoQTDraft) -> Bool {
            switch self {
            case .fillParameters, .includeProperties, .subgroupFilter, .objectIDFilter, .priorityFilter,
                 .objectPropertyFilter, .trackPropertyFilter: return draft >= .draft22
            default: return true
            }
        }
    }
}
