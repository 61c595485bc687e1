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
    /// One subgroup stream per frame instead of one per frame class per group.
    public var streamPerFrame = false
    /// Publisher priorities per frame class.
    public var priorities = FramePriorities.default

    public init() {}
}
