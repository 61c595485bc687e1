import MoQT
import Wire
import XCTest
@testable import Relay

/// The relay's copy of upstream streams and the per-subscriber stream bookkeeping the fast path's
/// coherence rests on (no kernel needed).
final class FastPathMirrorTests: XCTestCase {
    private func header(alias: UInt64, aliasLength: Int, group: UInt64 = 7) -> [UInt8] {
        var w = ByteWriter()
        Draft18.SubgroupHeader(trackAlias: alias, groupID: group, subgroupID: .explicit(1), publisherPriority: 3, hasProperties: true)
            .encode(into: &w, trackAliasLength: aliasLength)
        return w.bytes
    }

    func testHeaderKnownOnceCompleteAcrossChunks() {
        let h = header(alias: 5, aliasLength: 2)
        let m = UpstreamStreamMirror(upstreamID: 0, streamID: 3, now: 0)
        XCTAssertFalse(m.append(Array(h.prefix(2)), fin: false))
        XCTAssertNil(m.header)
        XCTAssertTrue(m.append(Array(h.dropFirst(2)) + [9, 9, 9], fin: false))
        XCTAssertEqual(m.header?.trackAlias, 5)
        XCTAssertEqual(m.header?.groupID, 7)
        XCTAssertEqual(m.header?.publisherPriority, 3)
        XCTAssertEqual(m.aliasRange?.count, 2)
        XCTAssertFalse(m.isComplete)
        _ = m.append([1], fin: true)
        XCTAssertTrue(m.isComplete)
        XCTAssertEqual(m.finalSize, UInt64(h.count + 4))
    }

    func testAliasRewrittenInPlaceWithSameWidthOnlyWhereTheSliceCoversIt() throws {
        let h = header(alias: 5, aliasLength: 2)
        let m = UpstreamStreamMirror(upstreamID: 0, streamID: 3, now: 0)
        _ = m.append(h + [0xaa, 0xbb], fin: true)
        let range = try XCTUnwrap(m.aliasRange)
        let full = try XCTUnwrap(m.slice(offset: 0, length: h.count + 2, alias: 9))
        XCTAssertEqual(Array(full[range]), VI64.encode(9, length: 2))
        XCTAssertEqual(Array(full[range.upperBound...]), Array((h + [0xaa, 0xbb])[range.upperBound...]))
        var r = ByteReader(full)
        XCTAssertEqual(try Draft18.SubgroupHeader.decode(from: &r).trackAlias, 9)
        // A retransmitted slice that covers only the alias's second byte gets that byte rewritten.
        let tail = try XCTUnwrap(m.slice(offset: UInt64(range.lowerBound + 1), length: 2, alias: 9))
        XCTAssertEqual(tail[0], VI64.encode(9, length: 2)[1])
        // Same alias, or past the header: bytes unchanged.
        XCTAssertEqual(m.slice(offset: 0, length: h.count, alias: 5), h)
        XCTAssertEqual(m.slice(offset: UInt64(h.count), length: 2, alias: 9), [0xaa, 0xbb])
        // Bytes not here (yet) are nil, never a short slice.
        XCTAssertNil(m.slice(offset: UInt64(h.count), length: 3, alias: 9))
    }

    func testForeignStreamsAreNotMirrored() {
        let m = UpstreamStreamMirror(upstreamID: 0, streamID: 3, now: 0)
        _ = m.append([0x05, 0x01, 0x02], fin: false)  // FETCH_HEADER
        XCTAssertTrue(m.isForeign)
        XCTAssertNil(m.header)
    }

    func testKernelRangesMergeAndGapsAreWhatUserSpaceOwes() {
        let m = UpstreamStreamMirror(upstreamID: 0, streamID: 3, now: 0)
        let s = FastPathSubscriberStream(mirror: m, requestID: 1, alias: 2)
        s.addKernelRange(1200..<2400)
        s.addKernelRange(0..<1200)
        s.addKernelRange(3600..<4000)
        XCTAssertEqual(s.kernelRanges, [0..<2400, 3600..<4000])
        XCTAssertEqual(s.kernelEnd, 4000)
        XCTAssertEqual(s.kernelGaps(upTo: 5000), [2400..<3600, 4000..<5000])
        XCTAssertEqual(s.kernelGaps(upTo: 2000), [])
        XCTAssertTrue(s.overlapsKernel(2000..<2500))
        XCTAssertFalse(s.overlapsKernel(2400..<3600))
        s.addKernelRange(2400..<3600)
        XCTAssertEqual(s.kernelRanges, [0..<4000])
        XCTAssertEqual(FastPathSubscriberStream(mirror: m, requestID: 1, alias: 2).kernelGaps(upTo: 10), [0..<10])
    }

    func testInPlaceRangeMergingAndContiguityAgreeWithTheGapList() {
        // Random insertions (mostly in order, like the kernel's packets, some out of order or
        // overlapping): the ranges stay merged and sorted, and the quick contiguity check agrees
        // with the gap list it stands in for.
        let m = UpstreamStreamMirror(upstreamID: 0, streamID: 3, now: 0)
        var state: UInt64 = 12345
        func next(_ n: UInt64) -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return (state >> 33) % n }
        for _ in 0..<200 {
            let s = FastPathSubscriberStream(mirror: m, requestID: 1, alias: 2)
            s.kernelFrom = next(3) == 0 ? next(2000) : 0
            var covered = Set<UInt64>()
            var cursor: UInt64 = next(2) == 0 ? 0 : next(3000)
            for _ in 0..<Int(next(12)) {
                let start = next(5) == 0 ? next(6000) : cursor
                let r = start..<start + 1 + next(1500)
                s.addKernelRange(r)
                for o in stride(from: r.lowerBound, to: r.upperBound, by: 1) { covered.insert(o) }
                cursor = r.upperBound
            }
            for (a, b) in zip(s.kernelRanges, s.kernelRanges.dropFirst()) {
                XCTAssertLessThan(a.upperBound, b.lowerBound, "ranges merged and ascending: \(s.kernelRanges)")
            }
            XCTAssertEqual(s.kernelRanges.reduce(0) { $0 + $1.count }, covered.count)
            for end in [s.kernelEnd, s.kernelEnd / 2, next(8000)] {
                let e = min(end, s.kernelEnd)
                XCTAssertEqual(s.kernelContiguous(upTo: e), s.kernelGaps(upTo: e).isEmpty, "ranges \(s.kernelRanges) from \(s.kernelFrom) to \(e)")
            }
        }
    }
}
