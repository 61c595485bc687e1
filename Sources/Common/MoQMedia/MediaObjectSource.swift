import Media

/// The publisher's side of the object model: reads a video file (or a live input) and yields its
/// MoQ objects in decode order (GOP -> group, frame -> object, class -> priority), looping a file if
/// asked to. With `includeAudio`, the objects of every AAC and Opus track come too
/// (`nextMediaObject`, `nextLiveMediaObject`), in groups that follow the video's (`AudioPacketizer`).
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
    /// The audio tracks published beside the video (empty unless opened with `includeAudio`).
    public let audioTracks: [AudioTrackInfo]
    /// Audio streams of the input that are not published (unsupported codec), as "index: codec".
    public let ignoredAudioStreams: [String]
    /// Objects per audio track so far.
    public private(set) var audioObjects: [Int]

    private var demuxer: VideoDemuxer
    private var packetizer: MediaPacketizer
    private var audioPacketizers: [AudioPacketizer]
    private let includeAudio: Bool
    private var timestampOffset: Int64 = 0
    private var passEnd: Int64 = .min  // largest pts + duration seen in the current pass
    private var passStart: Int64?      // smallest pts of the current pass

    private var clock = LiveClock()
    private let readTimeoutMicroseconds: Int64?

    /// Opens the file at `path`.
    /// - Throws: `MediaError` when the file is missing, has no video, or an unsupported codec.
    public convenience init(path: String, priorities: FramePriorities = .default, loop: Bool = false,
                            firstGroupID: UInt64 = 0, includeAudio: Bool = false,
                            audioPriority: UInt8 = FramePriorities.audio) throws(MediaError) {
        try self.init(input: .file(path), priorities: priorities, loop: loop, firstGroupID: firstGroupID,
                      includeAudio: includeAudio, audioPriority: audioPriority)
    }

    /// Opens `input` (a live input never loops: `loop` is ignored for it).
    /// - Parameter readTimeoutMicroseconds: Live input ends after this long without data (nil: never).
    /// - Throws: `MediaError` when the input is missing or cannot be opened, has no video, or an
    ///   unsupported codec.
    /// - Parameter includeAudio: Also publish every AAC and Opus track, each object at `audioPriority`.
    public init(input: MediaInput, priorities: FramePriorities = .default, loop: Bool = false,
                firstGroupID: UInt64 = 0, readTimeoutMicroseconds: Int64? = nil, includeAudio: Bool = false,
                audioPriority: UInt8 = FramePriorities.audio) throws(MediaError) {
        demuxer = try VideoDemuxer(input: input, readTimeoutMicroseconds: readTimeoutMicroseconds, includeAudio: includeAudio)
        track = demuxer.track
        audioTracks = demuxer.audioTracks
        ignoredAudioStreams = demuxer.ignoredAudioStreams
        audioObjects = Array(repeating: 0, count: demuxer.audioTracks.count)
        audioPacketizers = demuxer.audioTracks.map { _ in AudioPacketizer(priority: audioPriority, firstGroupID: firstGroupID) }
        self.includeAudio = includeAudio
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

    /// The next object of any track of a live input, blocking until its frame arrives; nil when the
    /// input ended. Capture times as in `nextLiveObject()`, audio and video on one clock.
    public func nextLiveMediaObject() throws(MediaError) -> SourceObject? {
        while true {
            guard let read = try demuxer.nextMediaFrame() else { return nil }
            let arrival = demuxer.lastFrameArrivalMicroseconds ?? 0
            switch read {
            case .video(let frame):
                let capture = clock.captureTime(pts: frame.ptsMicroseconds, arrival: arrival)
                if let object = packetizer.packetize(frame, captureTimestamp: capture) {
                    videoObjectMade(object)
                    return .video(object)
                }
            case .audio(let index, let frame):
                let capture = clock.captureTime(pts: frame.ptsMicroseconds, arrival: arrival)
                audioObjects[index] += 1
                return .audio(track: index, audioPacketizers[index].packetize(frame, captureTimestamp: capture))
            }
        }
    }

    private func videoObjectMade(_ object: MediaObject) {
        guard object.objectID == 0 else { return }
        for i in audioPacketizers.indices {
            audioPacketizers[i].videoGroupStarted(object.groupID, pts: object.frame.ptsMicroseconds)
        }
    }

    /// The catalog describing this source as track `trackName`.
    public func catalog(trackName: String) -> MediaCatalog {
        MediaCatalog(videoTrack: trackName, info: track, priority: packetizer.priorities.i)
    }

    /// The catalog of the video as `trackName` and the audio tracks as `audioTrackNames` (in order).
    public func catalog(trackName: String, audioTrackNames: [String]) -> MediaCatalog {
        MediaCatalog(videoTrack: trackName, info: track, audioTracks: Array(zip(audioTrackNames, audioTracks)).map { ($0.0, $0.1) },
                     priority: packetizer.priorities.i, audioPriority: audioPacketizers.first?.priority)
    }

    /// The names of `count` audio tracks: `base`, then `base2`, `base3`, ...
    public static func audioTrackNames(base: String, count: Int) -> [String] {
        (0..<count).map { $0 == 0 ? base : "\(base)\($0 + 1)" }
    }

    /// Frames skipped because they came before the first keyframe.
    public var framesBeforeFirstKeyframe: Int { packetizer.framesBeforeFirstKeyframe }

    /// The next object of any track, in time order across tracks, or nil at the end (never, when
    /// looping a file with frames). Audio timestamps follow the video's pass offsets.
    /// - Parameter captureTimestamp: As for `nextObject`; audio frames pass their PTS.
    public func nextMediaObject(captureTimestamp: (_ dtsMicroseconds: Int64) -> UInt64) throws(MediaError) -> SourceObject? {
        while true {
            guard let read = try demuxer.nextMediaFrame() else {
                passes += 1
                guard loop, passEnd > .min, let start = passStart else { return nil }
                timestampOffset += passEnd - start
                passEnd = .min
                passStart = nil
                demuxer = try VideoDemuxer(input: input, readTimeoutMicroseconds: readTimeoutMicroseconds, includeAudio: includeAudio)
                continue
            }
            switch read {
            case .video(let frame):
                passStart = min(passStart ?? frame.ptsMicroseconds, frame.ptsMicroseconds)
                passEnd = max(passEnd, frame.ptsMicroseconds + max(frame.durationMicroseconds, 1))
                let dts = frame.dtsMicroseconds + timestampOffset
                if let object = packetizer.packetize(frame, captureTimestamp: captureTimestamp(dts),
                                                     timestampOffset: timestampOffset) {
                    videoObjectMade(object)
                    return .video(object)
                }
            case .audio(let index, let frame):
                guard index < audioPacketizers.count else { continue }
                let pts = frame.ptsMicroseconds + timestampOffset
                audioObjects[index] += 1
                return .audio(track: index, audioPacketizers[index].packetize(frame, captureTimestamp: captureTimestamp(pts),
                                                                               timestampOffset: timestampOffset))
            }
        }
    }

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
