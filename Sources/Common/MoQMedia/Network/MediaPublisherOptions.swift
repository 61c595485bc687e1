/// How `MediaPublisher` publishes a file.
public struct MediaPublisherOptions: Sendable {
    /// The track namespace, as its fields (`demo` or `a/b` split on `/`).
    public var namespace: [String] = ["demo"]
    /// The video track's name.
    public var trackName = "video"
    /// Restart the file at its end, with continuing group IDs.
    public var loop = false
    /// Send objects at their timestamps (real time); false sends as fast as possible.
    public var pacing = true
    /// Start the clip when the first subscription arrives (false: at once, live).
    public var waitForSubscriber = true
    /// How a group's objects are spread over subgroup streams.
    public var subgroupLayout = SubgroupLayout.perFrameClass
    /// Publisher priorities per frame class.
    public var priorities = FramePriorities.default
    /// Publish every AAC and Opus track of the input as a track of its own (`--no-audio`: false).
    public var publishAudio = true
    /// The first audio track's name; more are numbered (`audio`, `audio2`, ...).
    public var audioTrackName = "audio"
    /// Publisher priority of audio objects (`--priority-audio`).
    public var audioPriority = FramePriorities.audio
    /// AUTHORIZATION TOKEN (Token Type 0) sent on PUBLISH_NAMESPACE (`--token`).
    public var authorizationToken: [UInt8]?
    /// Live input only: the input ends when nothing arrives for this many seconds (nil: never;
    /// `--input-timeout`).
    public var inputTimeout: Double?

    public init() {}

    /// How a group's objects are spread over subgroup streams.
    public enum SubgroupLayout: Sendable {
        /// One stream per frame class (I = subgroup 0, P = 1, B = 2), each with its class's
        /// publisher priority: what lets relays drop B and P before I.
        case perFrameClass
        /// One stream per frame (subgroup ID = object ID).
        case perFrame
        /// The whole group on one stream (subgroup 0, the I priority), for peers that handle
        /// only subgroup 0 (moq-rs).
        case perGroup
    }
}
