import XCTest
import Foundation
import TestSupport
import Media
@testable import MoQMedia

/// Audio tracks without a network: packetizing, the catalog, and the subscriber's writer (sync, the
/// start of a late join). The clips are those of `media/make-test-media.sh --audio`.
final class AudioTrackTests: XCTestCase {
    func frame(_ pts: Int64, _ duration: Int64 = 20_000) -> EncodedAudioFrame {
        EncodedAudioFrame(data: [1, 2, 3], ptsMicroseconds: pts, durationMicroseconds: duration)
    }

    func testAudioGroupsFollowTheVideoKeyframes() {
        var p = AudioPacketizer(priority: 1, firstGroupID: 5)
        // Before the first keyframe: the first group (AAC priming).
        let a0 = p.packetize(frame(-21_000), captureTimestamp: 1)
        XCTAssertEqual([a0.groupID, a0.objectID], [5, 0])
        p.videoGroupStarted(5, pts: 0)  // the first keyframe: the same group
        XCTAssertEqual(p.packetize(frame(-1_000), captureTimestamp: 2).groupID, 5)
        XCTAssertEqual(p.packetize(frame(19_000), captureTimestamp: 3).objectID, 2)
        // Group 6 starts at 1 s: audio before it stays in group 5, the first at or after it opens 6.
        p.videoGroupStarted(6, pts: 1_000_000)
        let before = p.packetize(frame(990_000), captureTimestamp: 4)
        XCTAssertEqual([before.groupID, before.objectID], [5, 3])
        let at = p.packetize(frame(1_010_000), captureTimestamp: 5)
        XCTAssertEqual([at.groupID, at.objectID], [6, 0])
        XCTAssertEqual(p.packetize(frame(1_030_000), captureTimestamp: 6).objectID, 1)
        // Two keyframes within one audio frame: the later wins (group 7 has no audio).
        p.videoGroupStarted(7, pts: 2_000_000)
        p.videoGroupStarted(8, pts: 2_010_000)
        XCTAssertEqual(p.packetize(frame(2_020_000), captureTimestamp: 7).groupID, 8)
        // Every object: priority, an independent keyframe of class I with DTS = PTS.
        let o = p.packetize(frame(2_040_000), captureTimestamp: 8, timestampOffset: 6_000_000)
        XCTAssertEqual(o.publisherPriority, 1)
        XCTAssertEqual(o.frame.frameClass, .i)
        XCTAssertTrue(o.frame.isKeyframe)
        XCTAssertEqual(o.frame.referenceDistance, 0)
        XCTAssertEqual(o.frame.ptsMicroseconds, 8_040_000)
        XCTAssertEqual(o.frame.dtsMicroseconds, 8_040_000)
        XCTAssertEqual(try LOCFrame(serialized: o.frame.serialized()), o.frame)
    }

    func testSourceMakesAudioObjectsAtAPriorityAbovePAndB() throws {
        let source = try MediaObjectSource(path: try TestMedia.audioClip("av-two-audio.mkv"), includeAudio: true)
        XCTAssertEqual(source.audioTracks.count, 2)
        var video: [MediaObject] = []
        var audio: [[MediaObject]] = [[], []]
        while let next = try source.nextMediaObject(captureTimestamp: { UInt64(max(0, $0)) }) {
            switch next {
            case .video(let o): video.append(o)
            case .audio(let t, let o): audio[t].append(o)
            }
        }
        XCTAssertEqual(video.count, 180)
        XCTAssertEqual(audio.map(\.count), [260, 301])
        XCTAssertEqual(source.audioObjects, [260, 301])
        let p = FramePriorities.default
        for objects in audio {
            XCTAssertTrue(objects.allSatisfy { $0.publisherPriority == FramePriorities.audio })
            XCTAssertLessThan(FramePriorities.audio, p.p)
            XCTAssertLessThan(FramePriorities.audio, p.b)
            // Audio group g starts with the first audio frame at or after video group g's keyframe.
            XCTAssertEqual(Set(objects.map(\.groupID)), Set(video.map(\.groupID)))
            for keyframe in video where keyframe.objectID == 0 && keyframe.groupID > 0 {
                let first = try XCTUnwrap(objects.first { $0.groupID == keyframe.groupID })
                XCTAssertEqual(first.objectID, 0)
                XCTAssertGreaterThanOrEqual(first.frame.ptsMicroseconds, keyframe.frame.ptsMicroseconds)
                let previous = try XCTUnwrap(objects.last { $0.groupID == keyframe.groupID - 1 })
                XCTAssertLessThan(previous.frame.ptsMicroseconds, keyframe.frame.ptsMicroseconds)
            }
        }
        // The video objects are those of a video-only source.
        let plain = try MediaObjectSource(path: try TestMedia.audioClip("av-two-audio.mkv"))
        var plainVideo: [MediaObject] = []
        while let o = try plain.nextObject(captureTimestamp: { UInt64(max(0, $0)) }) { plainVideo.append(o) }
        XCTAssertEqual(video, plainVideo)
    }

    func testCatalogListsAudioTracksWithCodecRateAndChannels() throws {
        let source = try MediaObjectSource(path: try TestMedia.audioClip("av-two-audio.mkv"), includeAudio: true)
        let names = MediaObjectSource.audioTrackNames(base: "audio", count: 2)
        XCTAssertEqual(names, ["audio", "audio2"])
        let bytes = source.catalog(trackName: "video", audioTrackNames: names).encoded()
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let tracks = try XCTUnwrap(json["tracks"] as? [[String: Any]])
        XCTAssertEqual(tracks.map { $0["name"] as? String }, ["video", "audio", "audio2"])
        XCTAssertEqual(tracks[1]["role"] as? String, "audio")
        XCTAssertEqual(tracks[1]["codec"] as? String, "mp4a.40.2")
        XCTAssertEqual(tracks[1]["samplerate"] as? Int, 44_100)
        XCTAssertEqual(tracks[1]["channelConfig"] as? String, "1")
        XCTAssertEqual(tracks[1]["priority"] as? Int, 1)
        XCTAssertEqual(tracks[2]["codec"] as? String, "opus")
        XCTAssertEqual(tracks[2]["samplerate"] as? Int, 48_000)
        XCTAssertEqual(tracks[2]["channelConfig"] as? String, "2")
        XCTAssertNil(tracks[1]["width"])

        let catalog = try MediaCatalog.decode(bytes)
        XCTAssertEqual(catalog.mediaTrackNames, ["video", "audio", "audio2"])
        XCTAssertTrue(catalog.isAudioTrack(named: "audio2"))
        XCTAssertFalse(catalog.isAudioTrack(named: "video"))
        let info = try catalog.audioTrackInfo(named: "audio2")
        XCTAssertEqual(info.codec, .opus)
        XCTAssertEqual(info.extradata, source.audioTracks[1].extradata)
        XCTAssertThrowsError(try catalog.videoTrackInfo(named: "audio")) { XCTAssertEqual($0 as? CatalogError, .unsupportedCodec("mp4a.40.2")) }
        XCTAssertThrowsError(try catalog.audioTrackInfo(named: "video")) { XCTAssertEqual($0 as? CatalogError, .unsupportedCodec(source.track.codecString)) }
    }

    func testBadAudioEntriesAreRejected() throws {
        func info(_ track: String) throws -> AudioTrackInfo {
            try MediaCatalog.decode(Array(#"{"version":1,"tracks":[\#(track)]}"#.utf8)).audioTrackInfo(named: "a")
        }
        let good = #"{"name":"a","packaging":"loc","isLive":true,"role":"audio","codec":"opus","samplerate":48000,"channelConfig":"2"}"#
        XCTAssertEqual(try info(good).channels, 2)
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: #""samplerate":48000,"#, with: ""))) {
            XCTAssertEqual($0 as? CatalogError, .missingField("samplerate"))
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: "48000", with: "0"))) { XCTAssertEqual($0 as? CatalogError, .missingField("samplerate")) }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: #""2""#, with: #""stereo""#))) {
            XCTAssertEqual($0 as? CatalogError, .missingField("channelConfig"))
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: #""2""#, with: #""0""#))) {
            XCTAssertEqual($0 as? CatalogError, .missingField("channelConfig"))
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: "opus", with: "mp3"))) { XCTAssertEqual($0 as? CatalogError, .unsupportedCodec("mp3")) }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: #""channelConfig":"2""#, with: #""channelConfig":2"#))) {
            guard case .invalidJSON? = $0 as? CatalogError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: #""codec":"opus""#, with: #""codec":"opus","x-moqfr-extradata":"%%""#))) {
            XCTAssertEqual($0 as? CatalogError, .invalidExtradata)
        }
    }

    /// Every object of `path` in wire form, per track name ("video", "audio", ...), and the catalog.
    func publish(_ path: String) throws -> (catalog: [UInt8], objects: [(track: String, object: WireObject)]) {
        let source = try MediaObjectSource(path: path, includeAudio: true)
        let names = MediaObjectSource.audioTrackNames(base: "audio", count: source.audioTracks.count)
        var objects: [(String, WireObject)] = []
        while let next = try source.nextMediaObject(captureTimestamp: { UInt64(max(0, $0 + 1_000_000)) }) {
            switch next {
            case .video(let o): objects.append(("video", WireObject(o)))
            case .audio(let t, let o): objects.append((names[t], WireObject(o)))
            }
        }
        return (source.catalog(trackName: "video", audioTrackNames: names).encoded(), objects)
    }

    func receive(_ writer: MediaTrackWriter, _ objects: [(track: String, object: WireObject)]) throws {
        for (track, object) in objects {
            let (properties, payload) = try object.propertiesAndPayload()
            try writer.receive(track: track, groupID: object.groupID, objectID: object.objectID, publisherPriority: object.priority,
                               properties: properties, payload: payload)
        }
    }

    /// ffprobe's first packet time (s) of `selector` and the smallest video PTS.
    func start(_ path: String, _ selector: String) throws -> Double {
        let r = try TestMedia.run("ffprobe", ["-v", "error", "-select_streams", selector, "-show_entries", "packet=pts_time",
                                              "-of", "csv=p=0", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        // A packet with side data prints "time," (and a blank line after it).
        let times = r.stdout.split(separator: "\n").compactMap { Double($0.split(separator: ",").first ?? "") }
        return selector.hasPrefix("v") ? (times.min() ?? .nan) : (times.first ?? .nan)
    }

    /// All tracks, from the start: the output has every audio packet and the source's A/V offset.
    func testWriterWritesEveryTrackInSync() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        for clip in ["av-aac.mp4", "av-two-audio.mkv"] {
            let path = try TestMedia.audioClip(clip)
            let published = try publish(path)
            let out = dir.appendingPathComponent("\(clip).ts").path
            let names = try MediaCatalog.decode(published.catalog).mediaTrackNames
            let writer = try MediaTrackWriter(catalog: published.catalog, trackNames: names, output: out)
            try receive(writer, published.objects)
            let report = try writer.finish()
            XCTAssertEqual(report.framesWritten, 180, clip)
            for (index, t) in writer.trackReports.dropFirst().enumerated() {
                XCTAssertEqual(t.kind, "audio")
                XCTAssertEqual(t.mux.framesWritten, published.objects.filter { $0.track == t.name }.count, clip)
                XCTAssertEqual(t.mux.skipped, [], clip)
                XCTAssertEqual(t.droppedBeforeVideo, 0, clip)
                let a = "a:\(index)"
                XCTAssertEqual(try start(out, a) - start(out, "v:0"), try start(path, a) - start(path, "v:0"), accuracy: 0.0011, "\(clip) \(a)")
            }
            XCTAssertEqual(try TestMedia.videoFrameMD5s(out), try TestMedia.videoFrameMD5s(path), clip)
        }
    }

    /// A late join: objects from video group 2 and audio group 1 on (a relay may serve audio from an
    /// earlier group), audio arriving first. Audio is held until the video starts, then starts at
    /// the keyframe: nothing before it, the first audio less than one audio frame after it.
    func testLateJoinStartsAudioWithTheKeyframe() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let published = try publish(try TestMedia.audioClip("av-opus.mkv"))
        let audio = published.objects.filter { $0.track == "audio" && $0.object.groupID >= 1 }
        let video = published.objects.filter { $0.track == "video" && $0.object.groupID >= 2 }
        let out = dir.appendingPathComponent("late.ts").path
        let writer = try MediaTrackWriter(catalog: published.catalog, trackNames: ["video", "audio"], output: out)
        try receive(writer, audio.prefix(80) + video + audio.dropFirst(80))
        // END_OF_GROUP of every group: group 1's (dropped) is ignored, not reported as lost.
        for group in 1...5 {
            writer.endGroup(track: "audio", UInt64(group), objectCount: UInt64(audio.filter { $0.object.groupID == UInt64(group) }.count))
        }
        let report = try writer.finish()
        XCTAssertEqual(report.framesWritten, 120)
        let audioReport = try XCTUnwrap(writer.trackReports.first { $0.name == "audio" })
        let group1 = audio.filter { $0.object.groupID == 1 }.count
        XCTAssertEqual(audioReport.droppedBeforeVideo, group1)
        XCTAssertEqual(audioReport.mux.framesWritten, audio.count - group1)
        XCTAssertEqual(audioReport.mux.skipped, [])
        let keyframe = try XCTUnwrap(video.first).object
        XCTAssertEqual(keyframe.objectID, 0)
        let firstAudio = try XCTUnwrap(audio.first { $0.object.groupID == 2 }).object
        let lead = try start(out, "a:0") - start(out, "v:0")
        XCTAssertGreaterThanOrEqual(lead, -0.0001, "audio starts before the keyframe")
        XCTAssertLessThan(lead, 0.020, "audio starts more than one frame after the keyframe")
        let (kf, first) = try (LOCFrame(serialized: keyframe.bytes), LOCFrame(serialized: firstAudio.bytes))
        XCTAssertEqual(lead, Double(first.ptsMicroseconds - kf.ptsMicroseconds) / 1e6, accuracy: 0.0011)
    }

    /// Two video tracks cannot share an output; an audio-only output works.
    func testTrackChoices() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let published = try publish(try TestMedia.audioClip("av-aac.mp4"))
        var catalog = try MediaCatalog.decode(published.catalog)
        catalog.tracks.append(catalog.tracks[0])
        catalog.tracks[2].name = "video2"
        XCTAssertThrowsError(try MediaTrackWriter(catalog: catalog.encoded(), trackNames: ["video", "video2"],
                                                  output: dir.appendingPathComponent("x.ts").path)) {
            guard case .cannotCreateOutput? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MediaTrackWriter(catalog: published.catalog, trackNames: ["nope"], output: dir.appendingPathComponent("y.ts").path)) {
            XCTAssertEqual($0 as? CatalogError, .trackNotFound("nope"))
        }
        XCTAssertEqual(try MediaSubscriber.chooseTracks(catalog: catalog, requested: nil).primary, "video")
        XCTAssertEqual(try MediaSubscriber.chooseTracks(catalog: catalog, requested: nil).others, ["audio", "video2"])
        XCTAssertEqual(try MediaSubscriber.chooseTracks(catalog: catalog, requested: ["audio", "video2"]).primary, "video2")
        XCTAssertEqual(try MediaSubscriber.chooseTracks(catalog: catalog, requested: ["audio"]).primary, "audio")
        XCTAssertThrowsError(try MediaSubscriber.chooseTracks(catalog: catalog, requested: ["x"]))
        var crowded = catalog
        for i in 0..<20 { crowded.tracks.append(MediaCatalog.Track(audio: "a\(i)", info: AudioTrackInfo(codec: .opus, sampleRate: 48_000, channels: 2, extradata: []))) }
        XCTAssertThrowsError(try MediaSubscriber.chooseTracks(catalog: crowded, requested: nil)) {
            XCTAssertEqual($0 as? CatalogError, .tooManyTracks(23, limit: 16))
        }

        let out = dir.appendingPathComponent("audio.ts").path
        let writer = try MediaTrackWriter(catalog: published.catalog, trackNames: ["audio"], output: out)
        try receive(writer, published.objects.filter { $0.track == "audio" })
        _ = try writer.finish()
        XCTAssertEqual(writer.trackReports.map(\.mux.framesWritten), [published.objects.filter { $0.track == "audio" }.count])
        XCTAssertNil(writer.track)
    }
}
