import XCTest
import TestSupport
import Media
import MoQMedia

/// Decode timestamps for any reorder depth (`DecodeTimestampDeriver`), from presentation times only
/// as Matroska stores them, and through the whole pipeline for a Matroska B-pyramid clip.
final class DecodeTimestampTests: XCTestCase {
    let frame: Int64 = 33_333

    // MARK: - Decode-order streams (presentation index of each frame in decode order)

    /// One GOP of `length` frames (from `start`) with `bframes` B-frames between references; with
    /// `pyramid`, the B-frames are coded as a binary hierarchy (the middle one first).
    func gop(start: Int, length: Int, bframes: Int, pyramid: Bool) -> [Int] {
        var order = [start]
        var next = start + 1
        let end = start + length
        while next < end {
            let reference = min(next + bframes, end - 1)
            order.append(reference)
            let bs = Array(next..<reference)
            order += pyramid ? hierarchy(bs) : bs
            next = reference + 1
        }
        return order
    }

    func hierarchy(_ frames: [Int]) -> [Int] {
        guard !frames.isEmpty else { return [] }
        let mid = frames.count / 2
        return [frames[mid]] + hierarchy(Array(frames[..<mid])) + hierarchy(Array(frames[(mid + 1)...]))
    }

    /// The reorder depth of a stream: the most frames that precede one in decode order and follow it
    /// in presentation order.
    func depth(_ pts: [Int64]) -> Int {
        pts.indices.map { i in pts[..<i].filter { $0 > pts[i] }.count }.max() ?? 0
    }

    /// Checks what a muxer and a decoder need: DTS strictly increasing (by the minimum step), never
    /// after the PTS, and the PTS unchanged.
    func assertValid(_ times: [DecodeTimestampDeriver.Timestamps], pts: [Int64], _ label: String,
                     file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(times.map(\.pts), pts, "\(label): PTS changed", file: file, line: line)
        for (n, t) in times.enumerated() {
            XCTAssertLessThanOrEqual(t.dts, t.pts, "\(label): frame \(n) decodes after it is presented", file: file, line: line)
        }
        for (n, pair) in zip(times, times.dropFirst()).enumerated() {
            XCTAssertGreaterThanOrEqual(pair.1.dts - pair.0.dts, 100, "\(label): DTS of frame \(n + 1) does not increase",
                                        file: file, line: line)
        }
    }

    /// With the right depth, frame i decodes at the (i - depth)-th presentation time: the DTS an
    /// encoder itself would write.
    func expectedDTS(_ pts: [Int64], depth: Int) -> [Int64] {
        let sorted = pts.sorted()
        return pts.indices.map { i in i >= depth ? sorted[i - depth] : sorted[0] - Int64(depth - i) * frame }
    }

    func testReorderDepthZeroToFive() {
        // No B-frames (0), plain B-frames (1), and B-pyramids of 3, 7, 15, 31 B-frames (2...5).
        let shapes: [(bframes: Int, pyramid: Bool, depth: Int)] = [
            (0, false, 0), (2, false, 1), (5, false, 1), (3, true, 2), (7, true, 3), (15, true, 4), (31, true, 5),
        ]
        for shape in shapes {
            let order = (0..<3).flatMap { gop(start: $0 * 64, length: 64, bframes: shape.bframes, pyramid: shape.pyramid) }
            let pts = order.map { Int64($0) * frame + 21_000 }
            XCTAssertEqual(depth(pts), shape.depth, "test stream shape")
            let label = "\(shape.bframes) B-frames\(shape.pyramid ? ", pyramid" : "")"
            // Depth declared by the codec (the SPS), as for every x264/x265 stream.
            let declared = DecodeTimestampDeriver.derive(pts.map { ($0, nil) }, declaredReorderDepth: shape.depth,
                                                         frameDuration: frame)
            assertValid(declared, pts: pts, label + ", declared depth")
            XCTAssertEqual(declared.map(\.dts), expectedDTS(pts, depth: shape.depth), label)
            // No declared depth: measured from the stream (read ahead), still exact.
            let measured = DecodeTimestampDeriver.derive(pts.map { ($0, nil) }, frameDuration: frame)
            assertValid(measured, pts: pts, label + ", measured depth")
            XCTAssertEqual(measured.map(\.dts), expectedDTS(pts, depth: shape.depth), label + ", measured depth")
        }
    }

    /// The clip of the issue: x265, 3 B-frames, B-pyramid, in Matroska (no DTS stored; libavformat
    /// gives none for the first two frames). Frame 2 used to get a DTS before frame 1's.
    func testMatroskaHEVCPyramidFromTheIssue() {
        let ms: [Int64] = [21, 154, 88, 54, 121, 288, 221, 188, 254, 421, 354, 321, 388, 554, 488, 454, 521]
        let pts = ms.map { $0 * 1000 }
        let times = DecodeTimestampDeriver.derive(pts.map { ($0, nil) }, declaredReorderDepth: 2, frameDuration: frame)
        assertValid(times, pts: pts, "issue clip")
        XCTAssertEqual(Array(times.map(\.dts)[2...5]), [21_000, 54_000, 88_000, 121_000])
    }

    /// Open GOP: after the second keyframe (a CRA / recovery-point I frame) come leading pictures
    /// presented before it.
    func testOpenGOPLeadingPictures() {
        // GOP 1: I0 P4 B2 B1 B3 P8 B6 B5 B7; GOP 2 starts with I12 (open), then its leading B10 B9 B11
        // (referencing P8 and I12), then P16 B14 B13 B15.
        let order = [0, 4, 2, 1, 3, 8, 6, 5, 7, 12, 10, 9, 11, 16, 14, 13, 15]
        let pts = order.map { Int64($0) * frame }
        for declared in [0, 2] {
            let times = DecodeTimestampDeriver.derive(pts.map { ($0, nil) }, declaredReorderDepth: declared, frameDuration: frame)
            assertValid(times, pts: pts, "open GOP, declared \(declared)")
            XCTAssertEqual(times.map(\.dts), expectedDTS(pts, depth: 2))
        }
    }

    /// Variable frame rate: irregular presentation times, B-pyramid.
    func testVariableFrameRate() {
        let order = gop(start: 0, length: 40, bframes: 3, pyramid: true) + gop(start: 40, length: 40, bframes: 3, pyramid: true)
        // Display times with gaps of one, two or three frame durations, plus a jitter of a few ms.
        var display: [Int64] = []
        var t: Int64 = 0
        for n in 0..<80 {
            display.append(t)
            t += frame * Int64(1 + (n * 7) % 3) + Int64((n * 13) % 5) * 1000
        }
        let pts = order.map { display[$0] }
        let times = DecodeTimestampDeriver.derive(pts.map { ($0, nil) }, declaredReorderDepth: 2, frameDuration: frame)
        assertValid(times, pts: pts, "VFR")
        XCTAssertEqual(times.map(\.dts), expectedDTS(pts, depth: 2))
        let measured = DecodeTimestampDeriver.derive(pts.map { ($0, nil) }, frameDuration: 0)
        assertValid(measured, pts: pts, "VFR, nothing declared")
    }

    /// GOPs without B-frames before and after one with a pyramid, the codec declaring depth 0 (its
    /// first SPS): the depth grows midway and the DTS stay valid; and a long GOP (300 frames).
    func testDepthChangingBetweenGOPsAndLongGOP() {
        let order = gop(start: 0, length: 30, bframes: 0, pyramid: false)
            + gop(start: 30, length: 30, bframes: 7, pyramid: true)
            + gop(start: 60, length: 30, bframes: 0, pyramid: false)
            + gop(start: 90, length: 300, bframes: 3, pyramid: true)
        let pts = order.map { Int64($0) * frame }
        for lookahead in [1, 4, 20] {
            let times = DecodeTimestampDeriver.derive(pts.map { ($0, nil) }, frameDuration: frame, lookahead: lookahead)
            assertValid(times, pts: pts, "mixed GOPs, lookahead \(lookahead)")
        }
    }

    /// Stored decode times (MP4, MPEG-TS) are kept when valid and repaired when not.
    func testContainerDecodeTimes() {
        let order = gop(start: 0, length: 30, bframes: 3, pyramid: true)
        let pts = order.map { Int64($0) * frame }
        let stored = expectedDTS(pts, depth: 2).map { $0 - 5_000 }
        let kept = DecodeTimestampDeriver.derive(zip(pts, stored).map { ($0, $1) }, declaredReorderDepth: 2,
                                                 frameDuration: frame, usesContainerDTS: true)
        XCTAssertEqual(kept.map(\.dts), stored)
        // DTS = PTS (what taking the PTS for a missing DTS gave): repaired.
        let broken = DecodeTimestampDeriver.derive(pts.map { ($0, $0) }, declaredReorderDepth: 2, frameDuration: frame,
                                                   usesContainerDTS: true)
        assertValid(broken, pts: pts, "DTS = PTS")
        // No PTS at all (raw streams): the stored DTS becomes the PTS.
        let raw = DecodeTimestampDeriver.derive((0..<10).map { (nil, Int64($0) * frame) }, frameDuration: frame,
                                                usesContainerDTS: true)
        XCTAssertEqual(raw.map(\.pts), (0..<10).map { Int64($0) * frame })
        XCTAssertEqual(raw.map(\.dts), raw.map(\.pts))
    }

    /// The whole pipeline on a Matroska H.265 clip with 3 B-frames and a B-pyramid (the issue's):
    /// every frame written, none skipped, timestamps valid.
    func testMatroskaPyramidClipIsWrittenCompletely() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let clip = dir.appendingPathComponent("pyramid.mkv").path
        let made = try TestMedia.run("ffmpeg", [
            "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-f", "lavfi",
            "-i", "testsrc2=size=160x96:rate=30:duration=2", "-c:v", "libx265", "-preset", "ultrafast",
            "-pix_fmt", "yuv420p", "-x265-params",
            "pools=1:frame-threads=1:keyint=30:min-keyint=30:scenecut=0:bframes=3:b-pyramid=1:b-adapt=0:log-level=error",
            "-threads", "1", clip,
        ])
        XCTAssertEqual(made.status, 0, made.stderr)
        let source = try MediaObjectSource(path: clip)
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink)
        var count = 0
        while let object = try source.nextObject(captureTimestamp: { _ in 0 }) {
            remuxer.receive(object)
            count += 1
        }
        remuxer.finish()
        XCTAssertEqual(count, 60)
        XCTAssertEqual(remuxer.report.skipped, [])
        XCTAssertEqual(sink.frames.count, 60)
        XCTAssertGreaterThan(depth(sink.frames.map(\.ptsMicroseconds)), 1, "the clip has a B-pyramid")
        for frame in sink.frames { XCTAssertLessThanOrEqual(frame.dtsMicroseconds, frame.ptsMicroseconds) }
    }
}
