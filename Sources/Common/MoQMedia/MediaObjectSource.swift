import Media

/// The publisher's side of the object model: reads a video file and yields its MoQ objects in
/// decode order (GOP -> group, frame -> object, class -> priority), looping if asked to.
///
/// When looping, each pass's timestamps follow the previous pass's, and group IDs keep increasing,
/// so subscribers see one continuous live track.
public final class MediaObjectSource {
    /// The video track of the file.
    public let track: VideoTrackInfo
    /// The path being read.
    public let path: String
    /// True when the file restarts at its end.
    public let loop: Bool
    /// Completed passes over the file.
    public private(set) var passes = 0

    private var demuxer: VideoDemuxer
    private var packetizer: MediaPacketizer
    private var timestampOffset: Int64 = 0
    private var passEnd: Int64 = .min  // largest pts + duration seen in the current pass
    private var passStart: Int64?      // smallest pts of the current pass

    /// Opens `path`.
    /// - Throws: `MediaError` when the file is missing, has no video, or an unsupported codec.
    public init(path: String, priorities: FramePriorities = .default, loop: Bool = false,
                firstGroupID: UInt64 = 0) throws(MediaError) {
        demuxer = try VideoDemuxer(path: path)
        track = demuxer.track
        self.path = path
        self.loop = loop
        packetizer = MediaPacketizer(priorities: priorities, firstGroupID: firstGroupID)
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
                demuxer = try VideoDemuxer(path: path)
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
