/// An object a subscriber queue releases for sending.
public struct OutgoingObject: Hashable, Sendable {
    /// The subscription (and so the track alias) to send it on.
    public var subscription: UInt64
    /// The object.
    public var object: RelayObject
    /// True when it is the first object sent on its subgroup for this subscriber: the session
    /// opens the stream and writes the subgroup header first.
    public var opensStream: Bool

    /// An object to send.
    public init(subscription: UInt64, object: RelayObject, opensStream: Bool) {
        self.subscription = subscription
        self.object = object
        self.opensStream = opensStream
    }
}
