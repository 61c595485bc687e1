import XCTest
import TestSupport
@testable import Media

final class VideoDemuxerTests: XCTestCase {
    func testMP4TrackInfoAndFrames() throws {
        let demuxer = try VideoDemuxer(path: try TestMedia.clip("test.mp4"))
        let track = demuxer.track
        XCTAssertEqual(track.codec, .h264)
        XCTAssertEqual(track.codecName, "h264")
        XCTAssertTrue(track.codecString.hasPrefix("avc1.64"), track.codecString)  // High profile
        XCTAssertEqual(track.codecString.count, "avc1.64001e".count)
        XCTAssertEqual(track.width, 640)
        XCTAssertEqual(track.height, 360)
        XCTAssertEqual(track.frameRate, MediaRational(30, 1))
        XCTAssertGreaterThan(track.timeBase.denominator, 0)
        XCTAssertEqual(track.extradata.first, 1, "avcC record")
        XCTAssertEqual(track.nalUnitFormat, .lengthPrefixed(4))

        let frames = try demuxer.readAll()
        XCTAssertEqual(frames.count, TestMedia.frameCount)
        XCTAssertEqual(frames.indices.filter { frames[$0].isKeyframe }, [0, 30, 60])
        XCTAssertEqual(frames.filter { $0.frameClass == .b }.count, 0)
        XCTAssertEqual(frames.filter { $0.frameClass == .i }.count, 3)
        for (n, frame) in frames.enumerated() {
            XCTAssertEqual(frame.dtsMicroseconds, Int64((Double(n) * 1_000_000 / 30).rounded()), accuracy: 1)
            XCTAssertEqual(frame.ptsMicroseconds, frame.dtsMicroseconds)
            XCTAssertEqual(frame.durationMicroseconds, 33_333, accuracy: 1)
            XCTAssertTrue(frame.isReference)
            XCTAssertFalse(frame.data.isEmpty)
        }
        XCTAssertNil(try demuxer.nextFrame(), "stays at the end")
        XCTAssertEqual(Double(demuxer.durationMicroseconds ?? 0), 3_000_000, accuracy: 50_000)
    }

    func testBFramesComeInDecodeOrderWithDistinctTimestamps() throws {
        let frames = try VideoDemuxer(path: try TestMedia.clip("test-bframes.mp4")).readAll()
        XCTAssertEqual(frames.count, TestMedia.frameCount)
        XCTAssertGreaterThan(frames.filter { $0.frameClass == .b }.count, 40)
        XCTAssertLessThan(frames[0].dtsMicroseconds, 0, "edit list shifts the first decode time below zero")
        XCTAssertTrue(frames.contains { $0.ptsMicroseconds != $0.dtsMicroseconds })
        for pair in zip(frames, frames.dropFirst()) { XCTAssertLessThan(pair.0.dtsMicroseconds, pair.1.dtsMicroseconds) }
        for frame in frames { XCTAssertGreaterThanOrEqual(frame.ptsMicroseconds, frame.dtsMicroseconds) }
        // b-pyramid=none: B frames are never referenced; I and P frames always are.
        for frame in frames { XCTAssertEqual(frame.isReference, frame.frameClass != .b, "\(frame.frameClass)") }
        // Presentation order is a permutation of a regular 30 fps grid.
        let pts = frames.map(\.ptsMicroseconds).sorted()
        for pair in zip(pts, pts.dropFirst()) { XCTAssertEqual(pair.1 - pair.0, 33_333, accuracy: 1) }
    }

    /// The frame class comes from the codec's picture type: it must match what ffprobe decodes.
    func testFrameClassesMatchDecodedPictureTypes() throws {
        for clip in TestMedia.clips {
            let path = try TestMedia.clip(clip)
            let frames = try VideoDemuxer(path: path).readAll()
            // Compared in presentation order, where ffprobe reports decoded pictures.
            let expected = try TestMedia.pictureTypesInPresentationOrder(path)
            XCTAssertEqual(frames.count, expected.count, clip)
            let ours = frames.sorted { $0.ptsMicroseconds < $1.ptsMicroseconds }.map(\.frameClass.rawValue)
            XCTAssertEqual(ours, expected, clip)
            for frame in frames where frame.isKeyframe { XCTAssertEqual(frame.frameClass, .i, clip) }
        }
    }

    func testMatroskaAndAudioClipsGiveTheSameVideoAsMP4() throws {
        let reference = try VideoDemuxer(path: try TestMedia.clip("test.mp4")).readAll()
        for clip in ["test.mkv", "test-audio.mp4"] {
            let demuxer = try VideoDemuxer(path: try TestMedia.clip(clip))
            XCTAssertEqual(demuxer.track.codecString, try VideoDemuxer(path: try TestMedia.clip("test.mp4")).track.codecString)
            let frames = try demuxer.readAll()
            XCTAssertEqual(frames.map(\.data), reference.map(\.data), clip)
            XCTAssertEqual(frames.map(\.frameClass), reference.map(\.frameClass), clip)
            XCTAssertEqual(frames.map(\.isKeyframe), reference.map(\.isKeyframe), clip)
        }
    }

    func testHEVC() throws {
        let demuxer = try VideoDemuxer(path: try TestMedia.clip("test-hevc.mp4"))
        XCTAssertEqual(demuxer.track.codec, .hevc)
        XCTAssertTrue(demuxer.track.codecString.hasPrefix("hvc1.1.6.L"), demuxer.track.codecString)
        let frames = try demuxer.readAll()
        XCTAssertEqual(frames.count, TestMedia.frameCount)
        XCTAssertEqual(frames.indices.filter { frames[$0].isKeyframe }, [0, 30, 60])
        XCTAssertTrue(frames.contains { $0.frameClass == .b && !$0.isReference })
    }

    func testMPEGTSInput() throws {
        // Remux test.mp4 to TS, then read the TS back: Annex-B frames, same classes and timestamps.
        let dir = try TestMedia.temporaryDirectory(for: self)
        let source = try VideoDemuxer(path: try TestMedia.clip("test-bframes.mp4"))
        let sourceFrames = try source.readAll()
        let ts = dir.appendingPathComponent("out.ts").path
        let muxer = try VideoFileMuxer(path: ts, track: source.track)
        for frame in sourceFrames { try muxer.write(frame) }
        try muxer.finish()

        let demuxer = try VideoDemuxer(path: ts)
        XCTAssertEqual(demuxer.track.codec, .h264)
        XCTAssertEqual(demuxer.track.nalUnitFormat, .annexB)
        XCTAssertEqual(demuxer.track.codecString, source.track.codecString, "codec string from the in-band SPS")
        let frames = try demuxer.readAll()
        XCTAssertEqual(frames.count, sourceFrames.count)
        XCTAssertEqual(frames.map(\.frameClass), sourceFrames.map(\.frameClass))
        XCTAssertEqual(frames.map(\.isKeyframe), sourceFrames.map(\.isKeyframe))
        XCTAssertEqual(frames.map(\.isReference), sourceFrames.map(\.isReference))
        let origin = frames[0].dtsMicroseconds - sourceFrames[0].dtsMicroseconds
        for (a, b) in zip(frames, sourceFrames) {
            XCTAssertEqual(a.dtsMicroseconds - origin, b.dtsMicroseconds, accuracy: 12)  // 90 kHz rounding
            XCTAssertEqual(a.ptsMicroseconds - origin, b.ptsMicroseconds, accuracy: 12)
        }
    }

    func testUnusableInputsThrowTypedErrors() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        XCTAssertThrowsError(try VideoDemuxer(path: dir.appendingPathComponent("missing.mp4").path)) {
            XCTAssertEqual($0 as? MediaError, .fileNotFound(dir.appendingPathComponent("missing.mp4").path))
        }
        let audio = try TestMedia.makeAudioOnlyFile(in: dir)
        XCTAssertThrowsError(try VideoDemuxer(path: audio)) { XCTAssertEqual($0 as? MediaError, .noVideoStream(audio)) }

        let text = dir.appendingPathComponent("notes.mp4").path
        try Data("this is not a video".utf8).write(to: URL(fileURLWithPath: text))
        XCTAssertThrowsError(try VideoDemuxer(path: text)) {
            guard case .cannotOpen(let path, _)? = $0 as? MediaError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, text)
        }
        XCTAssertThrowsError(try VideoDemuxer(path: dir.path)) {
            guard case .cannotOpen? = $0 as? MediaError else { return XCTFail("\($0)") }
        }

        let mpeg4 = dir.appendingPathComponent("mpeg4.mp4").path
        let made = try TestMedia.run("ffmpeg", ["-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                                                "testsrc2=size=160x90:rate=10:duration=0.5", "-c:v", "mpeg4", mpeg4])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertThrowsError(try VideoDemuxer(path: mpeg4)) { XCTAssertEqual($0 as? MediaError, .unsupportedCodec("mpeg4")) }
    }
}
