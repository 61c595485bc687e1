/// What `MediaSubscriber` subscribes to and where it writes.
public struct MediaSubscriberOptions: Sendable {
    /// The track namespace fields.
    public var namespace: [String] = ["demo"]
    /// The video track's name.
    public var trackName = "video"
    /// MPEG-TS output: a path, `-` for stdout, or nil for none.
    public var output: String?
    /// Stop after this many seconds (nil: at the end of the track).
    public var duration: Double?
    /// Subscriber priority for the video subscription.
    public var subscriberPriority: UInt8 = 128

    public init() {}
}
