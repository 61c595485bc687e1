import MoQT

/// What `MediaSubscriber` subscribes to and where it writes.
public struct MediaSubscriberOptions: Sendable {
    /// The track namespace fields.
    public var namespace: [String] = ["demo"]
    /// The video track's name (the track subscribed to without a catalog).
    public var trackName = "video"
    /// The tracks to subscribe to and write (`--tracks`); nil: every video and audio track of the catalog.
    public var trackNames: [String]?
    /// MPEG-TS output: a path, `-` for stdout, or nil for none.
    public var output: String?
    /// Stop after this many seconds (nil: at the end of the track).
    public var duration: Double?
    /// Subscriber priority for the video subscription.
    public var subscriberPriority: UInt8 = 128
    /// When the relay has no publisher for the track yet (DOES_NOT_EXIST), subscribe again every
    /// second instead of failing (`--wait`).
    public var waitForPublisher = false
    /// When the session is lost, let the runner connect again and re-subscribe (`--reconnect`)
    /// instead of ending with an error.
    public var reconnect = false
    /// AUTHORIZATION TOKEN (Token Type 0) sent on every SUBSCRIBE (`--token`).
    public var authorizationToken: [UInt8]?
    /// Print the once-a-second status line (off for the sessions of `moq-sub --sessions`).
    public var periodicStatus = true
    /// Tests only (`moq-sub --unsubscribe-after`): UNSUBSCRIBE every track this many seconds after
    /// the session began and keep the session open (until `duration`), so a test can check that
    /// nothing more is sent to a subscriber that left a track but not the relay.
    public var unsubscribeAfter: Double?

    public init() {}

    /// Request parameters carrying `authorizationToken`, if any.
    public var requestParameters: MessageParameters {
        var p = MessageParameters()
        if let t = authorizationToken { p.authorizationTokens = [.useValue(type: 0, value: t)] }
        return p
    }
}
