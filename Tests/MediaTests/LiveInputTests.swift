import XCTest
import TestSupport
@testable import Media

/// moq-pub's live input: what an argument names, the encoder-clock timestamp mapping, and the
/// demuxer reading a live MPEG-TS without lookahead.
final class LiveInputTests: XCTestCase {
    func testInputKindFromArgument() {
        XCTAssertEqual(MediaInput(argument: "-"), .standardInput)
        XCTAssertEqual(MediaInput(argument: "-").libavURL, "pipe:0")
        XCTAssertEqual(MediaInput(argument: "-").description, "stdin")
        XCTAssertEqual(MediaInput(argument: "udp://127.0.0.1:5000"), .url("udp://127.0.0.1:5000"))
        XCTAssertEqual(MediaInput(argument: "srt://h:9000?mode=listener").libavURL, "srt://h:9000?mode=listener")
        XCTAssertEqual(MediaInput(argument: "rtp+x.y-z://a"), .url("rtp+x.y-z://a"))
        XCTAssertEqual(MediaInput(argument: "media/test.mp4"), .file("media/test.mp4"))
        XCTAssertEqual(MediaInput(argument: "/abs/dir/a.ts").libavURL, "/abs/dir/a.ts")
        XCTAssertEqual(MediaInput(argument: "--"), .file("--"))
        XCTAssertEqual(MediaInput(argument: "./-"), .file("./-"))
        XCTAssertEqual(MediaInput(argument: "dir/x://y"), .file("dir/x://y"), "a scheme has no slash")
        XCTAssertEqual(MediaInput(argument: "1udp://a"), .file("1udp://a"), "a scheme starts with a letter")
        XCTAssertEqual(MediaInput(argument: "://a"), .file("://a"))
        XCTAssertEqual(MediaInput(argument: "C:/clips/a.mp4"), .file("C:/clips/a.mp4"))
        XCTAssertTrue(MediaInput.standardInput.isLive)
        XCTAssertTrue(MediaInput.url("udp://a:1").isLive)
        XCTAssertFalse(MediaInput.file("a.mp4").isLive)
    }

    func testFirstFrameMapsToItsArrivalAndLaterFramesKeepTheEncoderSpacing() {
        var clock = LiveClock()
        let t0: UInt64 = 1_700_000_000_000_000
        XCTAssertEqual(clock.captureTime(pts: 5_000_000, arrival: t0), t0)
        // Arrivals jitter late; capture times keep the 33.3 ms spacing.
        XCTAssertEqual(clock.captureTime(pts: 5_033_333, arrival: t0 + 40_000), t0 + 33_333)
        XCTAssertEqual(clock.captureTime(pts: 5_066_667, arrival: t0 + 90_000), t0 + 66_667)
        XCTAssertEqual(clock.captureTime(pts: 5_100_000, arrival: t0 + 100_500), t0 + 100_000)
        XCTAssertEqual(clock.originPTS, 5_000_000)
        XCTAssertEqual(clock.restarts, 0)
    }

    func testAnEarlyArrivalMovesTheMappingBack() {
        // The first frames came out of a buffer in a burst: the anchor was late by 50 ms.
        var clock = LiveClock()
        let t0: UInt64 = 1_000_000_000
        XCTAssertEqual(clock.captureTime(pts: 0, arrival: t0), t0)
        XCTAssertEqual(clock.captureTime(pts: 33_333, arrival: t0 + 100), t0 + 100, "never after its arrival")
        XCTAssertEqual(clock.captureTime(pts: 66_667, arrival: t0 + 16_667), t0 + 16_667)
        // From here on the mapping is 50 ms earlier than the first anchor: capture = t0 - 50 ms + pts.
        XCTAssertEqual(clock.captureTime(pts: 100_000, arrival: t0 + 70_000), t0 + 50_000)
        XCTAssertEqual(clock.captureTime(pts: 133_333, arrival: t0 + 83_333), t0 + 83_333)
    }

    func testBFramesFollowPresentationOrder() {
        var clock = LiveClock()
        let t0: UInt64 = 10_000_000
        // Decode order I0 P3 B1 B2, one frame interval apart on arrival.
        XCTAssertEqual(clock.captureTime(pts: 0, arrival: t0), t0)
        XCTAssertEqual(clock.captureTime(pts: 100_000, arrival: t0 + 33_333), t0 + 33_333)
        XCTAssertEqual(clock.captureTime(pts: 33_333, arrival: t0 + 66_667), t0 - 33_334)
        XCTAssertEqual(clock.captureTime(pts: 66_667, arrival: t0 + 100_000), t0)
    }

    func testAPTSJumpRestartsTheMapping() {
        var clock = LiveClock(discontinuity: 10_000_000)
        let t0: UInt64 = 50_000_000
        XCTAssertEqual(clock.captureTime(pts: 95_443_000_000, arrival: t0), t0)
        XCTAssertEqual(clock.captureTime(pts: 95_443_033_333, arrival: t0 + 35_000), t0 + 33_333)
        // MPEG-TS timestamps wrapped (2^33 ticks of 90 kHz): the mapping starts again.
        XCTAssertEqual(clock.captureTime(pts: 33_333, arrival: t0 + 70_000), t0 + 70_000)
        XCTAssertEqual(clock.restarts, 1)
        XCTAssertEqual(clock.captureTime(pts: 66_667, arrival: t0 + 110_000), t0 + 103_334)
        // A jump forward restarts it too.
        XCTAssertEqual(clock.captureTime(pts: 60_000_000, arrival: t0 + 150_000), t0 + 150_000)
        XCTAssertEqual(clock.restarts, 2)
    }

    /// A TS read as a live URL comes out frame by frame (no lookahead) with the container's
    /// timestamps, the same frames and timestamps as reading it as a file.
    func testLiveMPEGTSIsReadWithoutLookahead() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        for clip in ["test.mp4", "test-bframes.mp4"] {
            let ts = dir.appendingPathComponent("\(clip).ts").path
            let made = try TestMedia.run("ffmpeg", ["-v", "error", "-nostdin", "-y", "-i", try TestMedia.clip(clip),
                                                    "-map", "0:v:0", "-c", "copy", "-f", "mpegts", ts])
            XCTAssertEqual(made.status, 0, made.stderr)
            let file = try VideoDemuxer(path: ts)
            XCTAssertEqual(file.lookahead, 20)
            let fileFrames = try file.readAll()

            let live = try VideoDemuxer(input: .url("file://" + ts))
            XCTAssertEqual(live.input, .url("file://" + ts))
            XCTAssertEqual(live.lookahead, 0, clip)
            var frames: [EncodedVideoFrame] = []
            while let frame = try live.nextFrame() {
                frames.append(frame)
                XCTAssertNotNil(live.lastFrameArrivalMicroseconds)
            }
            XCTAssertFalse(live.timedOut)
            // Probing drops what it read (nobuffer): the live reader may start a few frames in.
            XCTAssertGreaterThan(frames.count, fileFrames.count / 2, clip)
            let tail = Array(fileFrames.suffix(frames.count))
            XCTAssertEqual(frames.map(\.data), tail.map(\.data), clip)
            XCTAssertEqual(frames.map(\.frameClass), tail.map(\.frameClass), clip)
            XCTAssertEqual(frames.map(\.ptsMicroseconds), tail.map(\.ptsMicroseconds), clip)
            XCTAssertEqual(frames.map(\.dtsMicroseconds), tail.map(\.dtsMicroseconds), clip)
        }
    }

    /// A live input without stored decode times (Matroska) reads ahead only as far as the
    /// declared reorder depth, and its decode times stay valid.
    func testLiveMatroskaDerivesDecodeTimesWithSmallLookahead() throws {
        let clip = try TestMedia.clip("test.mkv")
        let live = try VideoDemuxer(input: .url("file://" + clip))
        XCTAssertGreaterThanOrEqual(live.lookahead, 1)
        XCTAssertLessThan(live.lookahead, 20)
        let frames = try live.readAll()
        XCTAssertGreaterThan(frames.count, 0)
        for (a, b) in zip(frames, frames.dropFirst()) { XCTAssertLessThan(a.dtsMicroseconds, b.dtsMicroseconds) }
        for f in frames { XCTAssertLessThanOrEqual(f.dtsMicroseconds, f.ptsMicroseconds) }
    }

    func testLiveInputThatCannotBeOpenedThrows() {
        XCTAssertThrowsError(try VideoDemuxer(input: .url("nosuchproto://127.0.0.1:1"))) {
            guard case .cannotOpen(let name, _)? = $0 as? MediaError else { return XCTFail("\($0)") }
            XCTAssertEqual(name, "nosuchproto://127.0.0.1:1")
        }
    }
}
