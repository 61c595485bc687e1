/// An object a subscriber queue releases for sending.
public struct OutgoingObject: Hashable, Sendable {
    /// The subscription (and so the track alias) to send it on.
    public var subscription: UInt64
    /// The object.
    public var object: RelayObject
    /// True when it is the first object sent on its subgroup for this subscriber: the session
    /// opens the stream and writes the subgroup header first.
    public var opensStream: Bool
    /// When it entered the subscriber queue (nil when not known): its queue delay is the send
    /// time minus this.
    public var enqueuedAt: RelayTime?

    /// An object to send.
    public init(subscription: UInt64, object: RelayObject, opensStream: Bool, enqueuedAt: RelayTime? = nil) {
        self.subscription = subscription
        self.object = object
        self.opensStream = opensStream
        self.enqueuedAt = enqueuedAt
    }
}
