import MoQT

/// One object a subscriber queue dropped.
public struct DroppedObject: Hashable, Sendable {
    /// The subscription it was queued for.
    public var subscription: UInt64
    /// Its location.
    public var location: Location
    /// Its subgroup, nil for a datagram.
    public var subgroup: UInt64?
    /// Its publisher priority.
    public var publisherPriority: UInt8
    /// Its size in bytes (payload plus properties).
    public var byteCount: Int
    /// Why.
    public var reason: DropReason

    /// A drop record.
    public init(subscription: UInt64, location: Location, subgroup: UInt64?, publisherPriority: UInt8, byteCount: Int, reason: DropReason) {
        self.subscription = subscription
        self.location = location
        self.subgroup = subgroup
        self.publisherPriority = publisherPriority
        self.byteCount = byteCount
        self.reason = reason
    }
}
