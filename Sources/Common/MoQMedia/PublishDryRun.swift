import Foundation
import Media

/// `moq-pub --dry-run`: lists, per group, the objects a publisher would send for a file, and a summary.
public enum PublishDryRun {
    /// Totals of a dry run.
    public struct Summary: Equatable, Sendable {
        /// Groups (GOPs).
        public var groups = 0
        /// Objects (frames).
        public var objects = 0
        /// Objects per frame class.
        public var objectsByClass: [VideoFrameClass: Int] = [:]
        /// Payload bytes.
        public var bytes = 0
        /// Media duration in microseconds (first presentation time to last presentation end).
        public var durationMicroseconds: Int64 = 0
    }

    /// Reads `path` and writes the plan line by line to `output`.
    /// - Parameters:
    ///   - startTime: The capture time of the first frame, µs since the epoch (later frames follow
    ///     at their decode-time offsets, as a paced publisher would send them).
    /// - Throws: `MediaError` when the file is missing, has no video, or an unsupported codec.
    ///   - audioTrackName: Publish the audio tracks too, the first under this name (nil: video only).
    ///     Their objects are counted per track after the video's summary, not listed.
    @discardableResult
    public static func run(path: String, namespace: String, trackName: String, priorities: FramePriorities,
                           audioTrackName: String? = nil, audioPriority: UInt8 = FramePriorities.audio,
                           startTime: UInt64, output: (String) -> Void) throws(MediaError) -> Summary {
        let source = try MediaObjectSource(path: path, priorities: priorities, includeAudio: audioTrackName != nil,
                                           audioPriority: audioPriority)
        let track = source.track
        output("file \(path): \(track.codecName) \(track.codecString) \(track.width)x\(track.height) "
               + "\(format(rate: track.frameRate)) fps, time base \(track.timeBase), extradata \(track.extradata.count) bytes")
        output("track \(namespace)/\(trackName), priorities I=\(priorities.i) P=\(priorities.p) B=\(priorities.b)")
        let audioNames = MediaObjectSource.audioTrackNames(base: audioTrackName ?? "audio", count: source.audioTracks.count)
        for (name, info) in zip(audioNames, source.audioTracks) {
            output("audio track \(namespace)/\(name): \(info.codecString) \(info.sampleRate) Hz, \(info.channels) channels, "
                   + "priority \(audioPriority) (stream \(info.sourceStreamIndex))")
        }
        for ignored in source.ignoredAudioStreams { output("audio stream \(ignored) not published (supported: aac, opus)") }
        var audioCounts = Array(repeating: (objects: 0, bytes: 0, groups: Set<UInt64>()), count: source.audioTracks.count)

        var summary = Summary()
        var firstDTS: Int64?
        var end: Int64 = .min
        var start: Int64 = .max
        var group: [MediaObject] = []
        func flush() {
            guard let first = group.first else { return }
            let counts = Dictionary(grouping: group, by: \.frame.frameClass).mapValues(\.count)
            let bytes = group.reduce(0) { $0 + $1.frame.payload.count }
            output("group \(first.groupID): \(group.count) objects (I \(counts[.i] ?? 0), P \(counts[.p] ?? 0), "
                   + "B \(counts[.b] ?? 0)), \(bytes) bytes")
            for object in group {
                let f = object.frame
                output("  object \(object.objectID) \(f.frameClass.rawValue)\(f.isKeyframe ? " key" : "    ") "
                       + "priority \(object.publisherPriority) size \(f.payload.count) pts \(f.ptsMicroseconds) "
                       + "dts \(f.dtsMicroseconds) duration \(f.durationMicroseconds) "
                       + "capture \(f.captureTimestampMicroseconds) needs \(f.referenceDistance == 0 ? "none" : "object \(object.objectID - f.referenceDistance)")")
            }
            summary.groups += 1
            group.removeAll()
        }
        while let next = try source.nextMediaObject(captureTimestamp: { dts in
            let offset = dts - (firstDTS ?? dts)
            return startTime &+ UInt64(max(0, offset))
        }) {
            guard case .video(let object) = next else {
                if case .audio(let track, let object) = next {
                    audioCounts[track].objects += 1
                    audioCounts[track].bytes += object.frame.payload.count
                    audioCounts[track].groups.insert(object.groupID)
                }
                continue
            }
            if firstDTS == nil { firstDTS = object.frame.dtsMicroseconds }
            if let last = group.last, last.groupID != object.groupID { flush() }
            group.append(object)
            summary.objects += 1
            summary.objectsByClass[object.frame.frameClass, default: 0] += 1
            summary.bytes += object.frame.payload.count
            end = max(end, object.frame.ptsMicroseconds + Int64(clamping: object.frame.durationMicroseconds))
            start = min(start, object.frame.ptsMicroseconds)
        }
        flush()
        summary.durationMicroseconds = summary.objects > 0 ? max(0, end - start) : 0
        var line = "summary: \(summary.groups) groups, \(summary.objects) objects (I \(summary.objectsByClass[.i] ?? 0), "
            + "P \(summary.objectsByClass[.p] ?? 0), B \(summary.objectsByClass[.b] ?? 0)), \(summary.bytes) bytes, "
            + String(format: "%.3f s", Double(summary.durationMicroseconds) / 1e6)
        if source.framesBeforeFirstKeyframe > 0 { line += ", \(source.framesBeforeFirstKeyframe) frames before the first keyframe not published" }
        output(line)
        for (name, count) in zip(audioNames, audioCounts) {
            output("audio \(name): \(count.objects) objects in \(count.groups.count) groups, \(count.bytes) bytes")
        }
        return summary
    }

    static func format(rate: MediaRational) -> String {
        guard rate.denominator > 0 else { return "unknown" }
        if rate.numerator % rate.denominator == 0 { return "\(rate.numerator / rate.denominator)" }
        return String(format: "%.3f", rate.doubleValue)
    }
}
