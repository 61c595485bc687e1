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
    /// Milliseconds from SUBSCRIBE_OK to the first object (0 when an object overtook it).
    public var firstObjectAfterSubscribeOKMs: Double?
    /// The first object received: where the subscriber joined.
    public var firstObject: FirstObject?
    /// Every track subscribed, the primary one first, when there were several (nil: one track).
    public var tracks: [TrackSummary]?

    /// One track's counts, when several tracks were subscribed.
    public struct TrackSummary: Codable, Equatable, Sendable {
        public var name: String
        public var objects: Int
        public var groups: Int
        public var bytes: Int
        /// Runs of missing objects.
        public var gaps: Int
        /// Frames written to the output (nil without --out).
        public var framesWritten: Int?
        /// Frames the muxer skipped (nil without --out).
        public var framesSkipped: Int?
        /// Audio dropped because it came before the video's first keyframe (a late join).
        public var droppedBeforeVideo: Int?

        public init(name: String, objects: Int, groups: Int, bytes: Int, gaps: Int, framesWritten: Int?,
                    framesSkipped: Int?, droppedBeforeVideo: Int?) {
            self.name = name
            self.objects = objects
            self.groups = groups
            self.bytes = bytes
            self.gaps = gaps
            self.framesWritten = framesWritten
            self.framesSkipped = framesSkipped
            self.droppedBeforeVideo = droppedBeforeVideo
        }

        enum CodingKeys: String, CodingKey {
            case name, objects, groups, bytes, gaps
            case framesWritten = "frames_written"
            case framesSkipped = "frames_skipped"
            case droppedBeforeVideo = "dropped_before_video"
        }
    }

    /// The first object a subscriber received.
    public struct FirstObject: Codable, Equatable, Sendable {
        public var group: UInt64
        public var object: UInt64
        /// From the LOC frame info; nil when the object carries none (not our LOC packaging).
        public var keyframe: Bool?

        public init(group: UInt64, object: UInt64, keyframe: Bool?) {
            self.group = group
            self.object = object
            self.keyframe = keyframe
        }
    }

    public init(objects: Int, groups: Int, bytes: Int, gaps: [Gap], latencyUs: LatencySummary,
                firstObjectAfterSubscribeMs: Double?, framesSkipped: Int = 0, duplicates: Int = 0,
                firstObjectAfterSubscribeOKMs: Double? = nil, firstObject: FirstObject? = nil) {
        self.objects = objects
        self.groups = groups
        self.bytes = bytes
        self.gaps = gaps
        self.latencyUs = latencyUs
        self.firstObjectAfterSubscribeMs = firstObjectAfterSubscribeMs
        self.framesSkipped = framesSkipped
        self.duplicates = duplicates
        self.firstObjectAfterSubscribeOKMs = firstObjectAfterSubscribeOKMs
        self.firstObject = firstObject
    }

    enum CodingKeys: String, CodingKey {
        case objects, groups, bytes, gaps
        case latencyUs = "latency_us"
        case firstObjectAfterSubscribeMs = "first_object_after_subscribe_ms"
        case framesSkipped = "frames_skipped"
        case duplicates
        case firstObjectAfterSubscribeOKMs = "first_object_after_subscribe_ok_ms"
        case firstObject = "first_object"
        case tracks
    }
}
