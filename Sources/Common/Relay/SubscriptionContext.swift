import MoQT

/// What a subscriber's queue needs to know about one of its subscriptions.
public struct SubscriptionContext: Hashable, Sendable {
    /// Identifies the subscription within the subscriber's session (e.g. its request ID).
    public var id: UInt64
    /// The track alias the subscriber knows the track by.
    public var trackAlias: UInt64
    /// SUBSCRIBER_PRIORITY (lower value = more important; 128 when the subscriber gave none).
    public var subscriberPriority: UInt8
    /// The group order the subscription asked for.
    public var groupOrder: GroupOrder

    /// A subscription's scheduling context.
    public init(id: UInt64, trackAlias: UInt64, subscriberPriority: UInt8 = 128, groupOrder: GroupOrder = .ascending) {
        self.id = id
        self.trackAlias = trackAlias
        self.subscriberPriority = subscriberPriority
        self.groupOrder = groupOrder
    }
}
