import Media
import MoQT

/// The subscriber's media end in one piece: set up from the track's catalog, it takes objects as
/// the network delivers them (properties and payload), and writes MPEG-TS to a file or stdout
/// through a `MediaRemuxer` per track that tolerates gaps.
///
///     let writer = try MediaTrackWriter(catalog: catalogBytes, trackName: "video", output: "-")
///     try writer.receive(groupID: g, objectID: o, publisherPriority: p, properties: props, payload: bytes)
///     let report = try writer.finish()
///
/// Several tracks go to one output (`init(catalog:trackNames:output:)`): at most one video track and
/// any number of audio tracks, on the publisher's common timeline, so audio stays in sync. Until the
/// first video frame is written, audio is held back; then audio of groups before the video's first
/// group is dropped: since audio groups follow the video's, a subscriber that joins late starts its
/// audio with the video keyframe, not before it.
public final class MediaTrackWriter {
    /// The video track being written, from the catalog (nil when only audio is written).
    public let track: VideoTrackInfo?
    /// The names of the tracks written, in the order given.
    public let trackNames: [String]
    /// The video track's name (nil when only audio is written).
    public let videoTrackName: String?
    /// The audio tracks' names, in stream order.
    public let audioTrackNames: [String]
    private let muxer: VideoFileMuxer
    private let remuxer: MediaRemuxer
    private var audio: [AudioTrackState] = []
    /// Where the video started (its first written group and that frame's PTS), once it did.
    private var videoStart: (group: UInt64, pts: Int64)?
    /// Audio objects held until the video starts, at most this many per track (then the oldest go).
    static let maxHeldAudio = 3000

    final class AudioTrackState {
        let name: String
        let remuxer: MediaRemuxer
        var held: [MediaObject] = []
        /// Audio dropped because it came before the video's start (or was pushed out while held).
        var droppedBeforeVideo = 0

        init(name: String, remuxer: MediaRemuxer) {
            self.name = name
            self.remuxer = remuxer
        }
    }

    /// Writes the frames an audio remuxer lets through to one audio stream of the muxer.
    final class AudioSink: FrameSink {
        let muxer: VideoFileMuxer
        let index: Int
        init(muxer: VideoFileMuxer, index: Int) {
            self.muxer = muxer
            self.index = index
        }
        func write(_ frame: EncodedVideoFrame) throws {
            try muxer.writeAudio(EncodedAudioFrame(data: frame.data, ptsMicroseconds: frame.ptsMicroseconds,
                                                   durationMicroseconds: frame.durationMicroseconds), track: index)
        }
    }

    /// What was written and skipped of one track.
    public struct TrackReport: Equatable, Sendable, Codable {
        /// The track name.
        public var name: String
        /// "video" or "audio".
        public var kind: String
        /// The remuxer's report of the track.
        public var mux: MuxReport
        /// Audio objects dropped because they came before the video's start.
        public var droppedBeforeVideo: Int

        enum CodingKeys: String, CodingKey {
            case name, kind, mux
            case droppedBeforeVideo = "dropped_before_video"
        }
    }
    /// Added to the timestamps of every frame: a publisher that started anew restarts its timeline.
    private var timestampOffset: Int64 = 0
    private var rebasePending = false
    /// The latest frame received (after the offset): its DTS and capture time.
    private var latest: (dts: Int64, capture: UInt64)?

    /// Reads the catalog and creates the output.
    /// - Parameters:
    ///   - catalog: The catalog object's bytes (MSF JSON).
    ///   - trackName: The video track to write.
    ///   - output: A file path, or `-` for stdout.
    /// - Throws: `CatalogError` for an unusable catalog, `MediaError.cannotCreateOutput`.
    public convenience init(catalog: [UInt8], trackName: String, output: String, maxPendingGroups: UInt64 = 2) throws {
        try self.init(catalog: catalog, trackNames: [trackName], output: output, maxPendingGroups: maxPendingGroups)
    }

    /// Reads the catalog and creates one output for the tracks `trackNames` (at most one video
    /// track; audio tracks by their catalog role).
    /// - Throws: `CatalogError` for an unusable catalog or track, `MediaError.cannotCreateOutput`
    ///   (also for two video tracks, or no track).
    public init(catalog: [UInt8], trackNames: [String], output: String, maxPendingGroups: UInt64 = 2) throws {
        let decoded = try MediaCatalog.decode(catalog)
        var video: (name: String, info: VideoTrackInfo)?
        var audioTracks: [(name: String, info: AudioTrackInfo)] = []
        for name in trackNames {
            if decoded.isAudioTrack(named: name) {
                audioTracks.append((name, try decoded.audioTrackInfo(named: name)))
            } else {
                let info = try decoded.videoTrackInfo(named: name)
                if let video { throw MediaError.cannotCreateOutput("one video track per output, not '\(video.name)' and '\(name)'") }
                video = (name, info)
            }
        }
        track = video?.info
        videoTrackName = video?.name
        self.trackNames = trackNames
        audioTrackNames = audioTracks.map(\.name)
        muxer = try VideoFileMuxer(path: output, video: video?.info, audio: audioTracks.map(\.info))
        remuxer = MediaRemuxer(sink: muxer, maxPendingGroups: maxPendingGroups)
        for (index, name) in audioTrackNames.enumerated() {
            audio.append(AudioTrackState(name: name, remuxer: MediaRemuxer(sink: AudioSink(muxer: muxer, index: index),
                                                                           maxPendingGroups: maxPendingGroups)))
        }
    }

    /// What was written and skipped so far (of the video track; `trackReports` has every track's).
    public var report: MuxReport { remuxer.report }

    /// Every track's report, video first.
    public var trackReports: [TrackReport] {
        var reports: [TrackReport] = []
        if let videoTrackName { reports.append(TrackReport(name: videoTrackName, kind: "video", mux: remuxer.report, droppedBeforeVideo: 0)) }
        for state in audio {
            reports.append(TrackReport(name: state.name, kind: "audio", mux: state.remuxer.report,
                                       droppedBeforeVideo: state.droppedBeforeVideo))
        }
        return reports
    }

    /// True when `name` is one of the tracks written.
    public func writes(track name: String) -> Bool { trackNames.contains(name) }

    /// Takes one received object of track `name` (video or audio).
    /// - Throws: `LOCError` when its properties or payload are malformed (the object is not written).
    public func receive(track name: String, groupID: UInt64, objectID: UInt64, publisherPriority: UInt8,
                        properties: ObjectProperties, payload: [UInt8]) throws(LOCError) {
        guard let state = audio.first(where: { $0.name == name }) else {
            try receive(groupID: groupID, objectID: objectID, publisherPriority: publisherPriority,
                        properties: properties, payload: payload)
            return
        }
        var frame = try LOCFrame(properties: properties, payload: payload)
        frame.ptsMicroseconds += timestampOffset
        frame.dtsMicroseconds += timestampOffset
        let object = MediaObject(groupID: groupID, objectID: objectID, publisherPriority: publisherPriority, frame: frame)
        if videoTrackName != nil, videoStart == nil {
            state.held.append(object)
            if state.held.count > Self.maxHeldAudio {
                state.held.removeFirst()
                state.droppedBeforeVideo += 1
            }
            return
        }
        passAudio(object, to: state)
    }

    /// An audio object to its remuxer, unless its group comes before the video's first. The audio
    /// of the video's first group is all written: its groups follow the video's (`AudioPacketizer`),
    /// so it starts with the keyframe, except in a stream's first group, whose audio before the first
    /// keyframe (AAC priming, an encoder's early audio) is the source's own A/V offset.
    private func passAudio(_ object: MediaObject, to state: AudioTrackState) {
        if let start = videoStart, object.groupID < start.group {
            state.droppedBeforeVideo += 1
            return
        }
        state.remuxer.receive(object)
    }

    /// Whether the end of audio group `groupID` goes to its remuxer: not before the video started
    /// (held objects are not in the remuxer yet), nor for groups before the video's first.
    private func audioGroupPasses(_ groupID: UInt64) -> Bool {
        guard videoTrackName != nil else { return true }
        guard let start = videoStart else { return false }
        return groupID >= start.group
    }

    /// After the video remuxer was called: when it wrote its first frame, the held audio goes on.
    private func checkVideoStart() {
        guard videoStart == nil, let first = remuxer.firstWritten else { return }
        videoStart = first
        for state in audio {
            let held = state.held
            state.held.removeAll()
            for object in held { passAudio(object, to: state) }
        }
    }

    /// See `MediaRemuxer.endGroup(_:objectCount:)`, for track `name`.
    public func endGroup(track name: String, _ groupID: UInt64, objectCount: UInt64) {
        if let state = audio.first(where: { $0.name == name }) {
            if audioGroupPasses(groupID) { state.remuxer.endGroup(groupID, objectCount: objectCount) }
        } else {
            endGroup(groupID, objectCount: objectCount)
        }
    }

    /// See `MediaRemuxer.closeGroup(_:)`, for track `name`.
    public func closeGroup(track name: String, _ groupID: UInt64) {
        if let state = audio.first(where: { $0.name == name }) {
            if audioGroupPasses(groupID) { state.remuxer.closeGroup(groupID) }
        } else {
            closeGroup(groupID)
        }
    }

    /// Takes one received object.
    /// - Throws: `LOCError` when its properties or payload are malformed (the object is not written;
    ///   the remuxer treats it as missing).
    public func receive(groupID: UInt64, objectID: UInt64, publisherPriority: UInt8,
                        properties: ObjectProperties, payload: [UInt8]) throws(LOCError) {
        var frame = try LOCFrame(properties: properties, payload: payload)
        if rebasePending, let latest {
            // The new timeline continues the old one after the time that passed between the two
            // captures (at least a frame), so the output's timestamps keep increasing.
            rebasePending = false
            let elapsed = frame.captureTimestampMicroseconds > latest.capture
                ? Int64(min(frame.captureTimestampMicroseconds - latest.capture, 3_600_000_000)) : 0
            timestampOffset = latest.dts + max(elapsed, Int64(max(frame.durationMicroseconds, 1))) - frame.dtsMicroseconds
        }
        frame.ptsMicroseconds += timestampOffset
        frame.dtsMicroseconds += timestampOffset
        if latest.map({ frame.dtsMicroseconds > $0.dts }) ?? true {
            latest = (frame.dtsMicroseconds, frame.captureTimestampMicroseconds)
        }
        remuxer.receive(MediaObject(groupID: groupID, objectID: objectID, publisherPriority: publisherPriority, frame: frame))
        checkVideoStart()
    }

    /// The publisher started anew (its timestamps restart): the next frame received continues the
    /// output's timeline after the time elapsed since the last one, by its capture time.
    public func restartTimeline() { rebasePending = latest != nil }

    /// Takes one received object already decoded.
    public func receive(_ object: MediaObject) {
        remuxer.receive(object)
        checkVideoStart()
    }

    /// See `MediaRemuxer.endGroup(_:objectCount:)`.
    public func endGroup(_ groupID: UInt64, objectCount: UInt64) {
        remuxer.endGroup(groupID, objectCount: objectCount)
        checkVideoStart()
    }

    /// See `MediaRemuxer.closeGroup(_:)`.
    public func closeGroup(_ groupID: UInt64) {
        remuxer.closeGroup(groupID)
        checkVideoStart()
    }

    /// Writes what can still be written, closes the output and returns the final report.
    /// - Throws: `MediaError.writeFailed` when the trailer cannot be written.
    public func finish() throws(MediaError) -> MuxReport {
        remuxer.finish()
        checkVideoStart()
        for state in audio {
            if videoStart == nil {
                // No video was written: the audio is all there is.
                let held = state.held
                state.held.removeAll()
                for object in held { state.remuxer.receive(object) }
            }
            state.remuxer.finish()
        }
        try muxer.finish()
        return remuxer.report
    }
}
