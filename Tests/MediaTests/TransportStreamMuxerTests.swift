import XCTest
import TestSupport
@testable import Media
#if canImport(Glibc)
import Glibc
#endif

final class TransportStreamMuxerTests: XCTestCase {
    /// Demux then mux with no MoQ in between: the TS decodes to exactly the source's frames.
    func testDirectRemuxKeepsEveryDecodedFrame() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        for clip in ["test.mp4", "test-bframes.mp4", "test-hevc.mp4"] {
            let path = try TestMedia.clip(clip)
            let demuxer = try VideoDemuxer(path: path)
            let ts = dir.appendingPathComponent(clip + ".ts").path
            let muxer = try TransportStreamMuxer(path: ts, track: demuxer.track)
            while let frame = try demuxer.nextFrame() { try muxer.write(frame) }
            try muxer.finish()
            XCTAssertEqual(muxer.framesWritten, TestMedia.frameCount)
            let expected = try TestMedia.videoFrameMD5s(path)
            XCTAssertEqual(expected.count, TestMedia.frameCount)
            XCTAssertEqual(try TestMedia.videoFrameMD5s(ts), expected, clip)
        }
    }

    func testWritesToStdout() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let captured = dir.appendingPathComponent("stdout.ts").path
        let demuxer = try VideoDemuxer(path: try TestMedia.clip("test.mp4"))
        let frames = try demuxer.readAll()

        // Point fd 1 at a file while the muxer writes to "-", then restore it.
        fflush(stdout)
        let saved = dup(1)
        let fd = open(captured, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        dup2(fd, 1)
        close(fd)
        var failure: Error?
        do {
            let muxer = try TransportStreamMuxer(path: "-", track: demuxer.track)
            for frame in frames { try muxer.write(frame) }
            try muxer.finish()
        } catch {
            failure = error
        }
        fflush(stdout)
        dup2(saved, 1)
        close(saved)
        XCTAssertNil(failure)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: captured))
        XCTAssertGreaterThan(bytes.count, 188 * 10)
        XCTAssertEqual(bytes.first, 0x47, "MPEG-TS sync byte")
        XCTAssertEqual(bytes.count % 188, 0)
        XCTAssertEqual(try TestMedia.videoFrameMD5s(captured), try TestMedia.videoFrameMD5s(try TestMedia.clip("test.mp4")))
    }

    func testRejectsFramesOutOfDecodeOrder() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let demuxer = try VideoDemuxer(path: try TestMedia.clip("test.mp4"))
        let frames = try demuxer.readAll()
        let muxer = try TransportStreamMuxer(path: dir.appendingPathComponent("x.ts").path, track: demuxer.track)
        try muxer.write(frames[0])
        try muxer.write(frames[1])
        XCTAssertThrowsError(try muxer.write(frames[1])) {
            guard case .invalidFrame? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
        var empty = frames[2]
        empty.data = []
        XCTAssertThrowsError(try muxer.write(empty)) {
            guard case .invalidFrame? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
        var early = frames[2]
        early.ptsMicroseconds = early.dtsMicroseconds - 1
        XCTAssertThrowsError(try muxer.write(early)) {
            guard case .invalidFrame? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
        try muxer.write(frames[2])
        XCTAssertEqual(muxer.framesWritten, 3)
        try muxer.finish()
        XCTAssertThrowsError(try muxer.write(frames[3]))
    }

    func testUnwritableOutputThrows() throws {
        let demuxer = try VideoDemuxer(path: try TestMedia.clip("test.mp4"))
        XCTAssertThrowsError(try TransportStreamMuxer(path: "/nonexistent-dir/out.ts", track: demuxer.track)) {
            guard case .cannotCreateOutput? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
    }
}
