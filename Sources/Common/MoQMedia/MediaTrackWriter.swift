import Media
import MoQT

/// The subscriber's media end in one piece: set up from the track's catalog, it takes objects as
/// the network delivers them (properties and payload), and writes MPEG-TS to a file or stdout
/// through a `MediaRemuxer` that tolerates gaps.
///
///     let writer = try MediaTrackWriter(catalog: catalogBytes, trackName: "video", output: "-")
///     try writer.receive(groupID: g, objectID: o, publisherPriority: p, properties: props, payload: bytes)
///     let report = try writer.finish()
public final class MediaTrackWriter {
    /// The track being written, from the catalog.
    public let track: VideoTrackInfo
    private let muxer: VideoFileMuxer
    private let remuxer: MediaRemuxer
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
    public init(catalog: [UInt8], trackName: String, output: String, maxPendingGroups: UInt64 = 2) throws {
        track = try MediaCatalog.decode(catalog).videoTrackInfo(named: trackName)
        muxer = try VideoFileMuxer(path: output, track: track)
        remuxer = MediaRemuxer(sink: muxer, maxPendingGroups: maxPendingGroups)
    }

    /// What was written and skipped so far.
    public var report: MuxReport { remuxer.report }

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
    }

    /// The publisher started anew (its timestamps restart): the next frame received continues the
    /// output's timeline after the time elapsed since the last one, by its capture time.
    public func restartTimeline() { rebasePending = latest != nil }

    /// Takes one received object already decoded.
    public func receive(_ object: MediaObject) { remuxer.receive(object) }

    /// See `MediaRemuxer.endGroup(_:objectCount:)`.
    public func endGroup(_ groupID: UInt64, objectCount: UInt64) { remuxer.endGroup(groupID, objectCount: objectCount) }

    /// See `MediaRemuxer.closeGroup(_:)`.
    public func closeGroup(_ groupID: UInt64) { remuxer.closeGroup(groupID) }

    /// Writes what can still be written, closes the output and returns the final report.
    /// - Throws: `MediaError.writeFailed` when the trailer cannot be written.
    public func finish() throws(MediaError) -> MuxReport {
        remuxer.finish()
        try muxer.finish()
        return remuxer.report
    }
}
