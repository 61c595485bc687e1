/// The `moq-sub --report` JSON document (DESIGN §4).
public struct SubscriberReport: Codable, Equatable, Sendable {
    public var objects: Int
    public var groups: Int
    public var bytes: Int
    public var gaps: [Gap]
    public var latencyUs: LatencySummary
    public var firstObjectAfterSubscribeMs: Double?
    /// Frames the muxer skipped because a frame they depend on was missing.
    public var framesSkipped: Int
    public var duplicates: Int

    public init(objects: Int, groups: Int, bytes: Int, gaps: [Gap], latencyUs: LatencySummary,
                firstObjectAfterSubscribeMs: Double?, framesSkipped: Int = 0, duplicates: Int = 0) {
        self.objects = objects
        self.groups = groups
        self.bytes = bytes
        self.gaps = gaps
        self.latencyUs = latencyUs
        self.firstObjectAfterSubscribeMs = firstObjectAfterSubscribeMs
        self.framesSkipped = framesSkipped
        self.duplicates = duplicates
    }

    enum CodingKeys: String, CodingKey {
        case objects, groups, bytes, gaps
        case latencyUs = "latency_us"
        case firstObjectAfterSubscribeMs = "first_object_after_subscribe_ms"
        case framesSkipped = "frames_skipped"
        case duplicates
    }
}
