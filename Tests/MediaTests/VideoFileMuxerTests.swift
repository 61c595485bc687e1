import Foundation
import XCTest
import TestSupport
@testable import Media
#if canImport(Glibc)
import Glibc
#endif

final class VideoFileMuxerTests: XCTestCase {
    /// Demux then mux with no MoQ in between: the TS decodes to exactly the source's frames.
    func testDirectRemuxKeepsEveryDecodedFrame() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        for clip in ["test.mp4", "test-bframes.mp4", "test-hevc.mp4"] {
            let path = try TestMedia.clip(clip)
            let demuxer = try VideoDemuxer(path: path)
            let ts = dir.appendingPathComponent(clip + ".ts").path
            let muxer = try VideoFileMuxer(path: ts, track: demuxer.track)
            while let frame = try demuxer.nextFrame() { try muxer.write(frame) }
            try muxer.finish()
            XCTAssertEqual(muxer.framesWritten, TestMedia.frameCount)
            let expected = try TestMedia.videoFrameMD5s(path)
            XCTAssertEqual(expected.count, TestMedia.frameCount)
            XCTAssertEqual(try TestMedia.videoFrameMD5s(ts), expected, clip)
        }
    }

    /// The same through fragmented MP4 and Matroska, from MP4 (length-prefixed) and from Matroska and
    /// MPEG-TS sources (Annex-B after a TS round trip): every decoded frame equal to the source's.
    func testFragmentedMP4AndMatroskaKeepEveryDecodedFrame() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let ts = dir.appendingPathComponent("hevc-source.ts").path
        do {
            let demuxer = try VideoDemuxer(path: try TestMedia.clip("test-hevc.mp4"))
            let muxer = try VideoFileMuxer(path: ts, track: demuxer.track)
            while let frame = try demuxer.nextFrame() { try muxer.write(frame) }
            try muxer.finish()
        }
        for source in [try TestMedia.clip("test.mp4"), try TestMedia.clip("test-bframes.mp4"), try TestMedia.clip("test-hevc.mp4"),
                       try TestMedia.clip("test.mkv"), ts] {
            let expected = try TestMedia.videoFrameMD5s(source)
            for ext in ["mp4", "mkv", "mov"] {
                let demuxer = try VideoDemuxer(path: source)
                let out = dir.appendingPathComponent((source as NSString).lastPathComponent + "." + ext).path
                let muxer = try VideoFileMuxer(path: out, track: demuxer.track)
                XCTAssertEqual(muxer.container, ext == "mkv" ? .matroska : .fragmentedMP4)
                while let frame = try demuxer.nextFrame() { try muxer.write(frame) }
                try muxer.finish()
                XCTAssertEqual(try TestMedia.videoFrameMD5s(out), expected, "\(source) -> .\(ext)")
            }
        }
    }

    func testContainerComesFromTheExtension() throws {
        XCTAssertEqual(VideoContainer(path: "-"), .mpegTS)
        XCTAssertEqual(VideoContainer(path: "a/b.TS"), .mpegTS)
        XCTAssertEqual(VideoContainer(path: "x.m2ts"), .mpegTS)
        XCTAssertEqual(VideoContainer(path: "rec.mp4"), .fragmentedMP4)
        XCTAssertEqual(VideoContainer(path: "dir.v1/rec.mkv"), .matroska)
        XCTAssertNil(VideoContainer(path: "rec.avi"))
        XCTAssertNil(VideoContainer(path: "noextension"))
        XCTAssertNil(VideoContainer(path: "dir.mp4/noextension"))
        XCTAssertNil(VideoContainer(path: ".mp4"))
        let demuxer = try VideoDemuxer(path: try TestMedia.clip("test.mp4"))
        XCTAssertThrowsError(try VideoFileMuxer(path: "/tmp/x.avi", track: demuxer.track)) {
            XCTAssertTrue("\($0)".contains(".mkv"), "the error lists what is understood: \($0)")
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
            let muxer = try VideoFileMuxer(path: "-", track: demuxer.track)
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
        let muxer = try VideoFileMuxer(path: dir.appendingPathComponent("x.ts").path, track: demuxer.track)
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
        XCTAssertThrowsError(try VideoFileMuxer(path: "/nonexistent-dir/out.ts", track: demuxer.track)) {
            guard case .cannotCreateOutput? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
    }
}
