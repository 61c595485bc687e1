import Media

/// The publisher's side of the object model: reads a video file (or a live input) and yields its
/// MoQ objects in decode order (GOP -> group, frame -> object, class -> priority), looping a file if
/// asked to.
///
/// When looping, each pass's timestamps follow the previous pass's, and group IDs keep increasing,
/// so subscribers see one continuous live track. Live input (`nextLiveObject()`) is stamped by the
/// encoder's clock (`LiveClock`): the capture time of each frame is its PTS mapped to the wall clock.
public final class MediaObjectSource {
    /// The video track of the file.
    public let track: VideoTrackInfo
    /// The path being read (`-` or the URL for live input).
    public let path: String
    /// What is being read.
    public let input: MediaInput
    /// True when the file restarts at its end.
    public let loop: Bool
    /// Completed passes over the file.
    public private(set) var passes = 0

    private var demuxer: VideoDemuxer
    private var packetizer: MediaPacketizer
    private var timestampOffset: Int64 = 0
    private var passEnd: Int64 = .min  // largest pts + duration seen in the current pass
    private var passStart: Int64?      // smallest pts of the current pass

    private var clock = LiveClock()
    private let readTimeoutMicroseconds: Int64?

    /// Opens the file at `path`.
    /// - Throws: `MediaError` when the file is missing, has no video, or an unsupported codec.
    public convenience init(path: String, priorities: FramePriorities = .default, loop: Bool = false,
                            firstGroupID: UInt64 = 0) throws(MediaError) {
        try self.init(input: .file(path), priorities: priorities, loop: loop, firstGroupID: firstGroupID)
    }

    /// Opens `input` (a live input never loops: `loop` is ignored for it).
    /// - Parameter readTimeoutMicroseconds: Live input ends after this long without data (nil: never).
    /// - Throws: `MediaError` when the input is missing or cannot be opened, has no video, or an
    ///   unsupported codec.
    public init(input: MediaInput, priorities: FramePriorities = .default, loop: Bool = false,
                firstGroupID: UInt64 = 0, readTimeoutMicroseconds: Int64? = nil) throws(MediaError) {
        demuxer = try VideoDemuxer(input: input, readTimeoutMicroseconds: readTimeoutMicroseconds)
        track = demuxer.track
        self.input = input
        self.path = demuxer.path
        self.loop = loop && !input.isLive
        self.readTimeoutMicroseconds = readTimeoutMicroseconds
        packetizer = MediaPacketizer(priorities: priorities, firstGroupID: firstGroupID)
    }

    /// Frames the demuxer reads ahead before returning one (0 for live MPEG-TS).
    public var demuxerLookahead: Int { demuxer.lookahead }

    /// When the frame of the object returned last arrived (µs since the epoch).
    public var lastArrivalMicroseconds: UInt64? { demuxer.lastFrameArrivalMicroseconds }

    /// True when a live input ended because nothing arrived within the read timeout.
    public var timedOut: Bool { demuxer.timedOut }

    /// The next object of a live input, blocking until its frame arrives; nil when the input ended.
    /// Its capture time is the frame's PTS on the encoder's clock, mapped to the wall clock by its
    /// arrival (`LiveClock`).
    public func nextLiveObject() throws(MediaError) -> MediaObject? {
        while true {
            guard let frame = try demuxer.nextFrame() else { return nil }
            let arrival = demuxer.lastFrameArrivalMicroseconds ?? 0
            let capture = clock.captureTime(pts: frame.ptsMicroseconds, arrival: arrival)
            if let object = packetizer.packetize(frame, captureTimestamp: capture) { return object }
        }
    }

    /// The catalog describing this source as track `trackName`.
    public func catalog(trackName: String) -> MediaCatalog {
        MediaCatalog(videoTrack: trackName, info: track, priority: packetizer.priorities.i)
    }

    /// Frames skipped because they came before the first keyframe.
    public var framesBeforeFirstKeyframe: Int { packetizer.framesBeforeFirstKeyframe }

    /// The next object, or nil at the end (never, when looping a file with frames).
    /// - Parameter captureTimestamp: Maps the frame's decode timestamp (µs, on the continuous
    ///   timeline) to its capture time in µs since the epoch; a paced publisher passes "now".
    public func nextObject(captureTimestamp: (_ dtsMicroseconds: Int64) -> UInt64) throws(MediaError) -> MediaObject? {
        while true {
            guard let frame = try demuxer.nextFrame() else {
                passes += 1
                // The next pass starts where this one's presentation ended.
                guard loop, passEnd > .min, let start = passStart else { return nil }
                timestampOffset += passEnd - start
                passEnd = .min
                passStart = nil
                demuxer = try VideoDemuxer(input: input, readTimeoutMicroseconds: readTimeoutMicroseconds)
                continue
            }
            passStart = min(passStart ?? frame.ptsMicroseconds, frame.ptsMicroseconds)
            passEnd = max(passEnd, frame.ptsMicroseconds + max(frame.durationMicroseconds, 1))
            let dts = frame.dtsMicroseconds + timestampOffset
            if let object = packetizer.packetize(frame, captureTimestamp: captureTimestamp(dts),
                                                 timestampOffset: timestampOffset) {
                return object
            }
        }
    }
}
