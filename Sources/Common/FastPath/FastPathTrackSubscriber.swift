/// One subscriber of a fast-path track and the track alias it knows the track by.
public struct FastPathTrackSubscriber: Sendable, Equatable {
    /// Index into `fp_subscribers`.
    public var subscriberID: UInt32
    /// The track alias in that subscriber's session (rewritten into subgroup headers when it differs).
    public var alias: UInt64

    /// Creates an entry.
    public init(subscriberID: UInt32, alias: UInt64) {
        self.subscriberID = subscriberID
        self.alias = alias
    }
}
