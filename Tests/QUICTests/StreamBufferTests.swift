import XCTest
@testable import QUIC

final class StreamBufferTests: XCTestCase {
    func testRangeSetMergesAndRemoves() {
        var s = RangeSet()
        s.insert(10..<20); s.insert(30..<40); s.insert(20..<30)
        XCTAssertEqual(s.ranges, [10..<40])
        s.remove(15..<25)
        XCTAssertEqual(s.ranges, [10..<15, 25..<40])
        s.insert(0..<5)
        XCTAssertEqual(s.ranges, [0..<5, 10..<15, 25..<40])
        XCTAssertTrue(s.contains(12)); XCTAssertFalse(s.contains(20)); XCTAssertTrue(s.contains(26..<30))
        s.removeAll(below: 12)
        XCTAssertEqual(s.ranges, [12..<15, 25..<40])
    }

    func testReassemblyOutOfOrderAndDuplicates() {
        var b = ReassemblyBuffer()
        XCTAssertFalse(b.insert(offset: 5, data: [5, 6, 7]))
        XCTAssertFalse(b.insert(offset: 6, data: [6, 7, 8, 9]))
        XCTAssertTrue(b.insert(offset: 0, data: [0, 1, 2]))
        XCTAssertEqual(b.read(), [0, 1, 2])
        XCTAssertTrue(b.insert(offset: 2, data: [2, 3, 4]))
        XCTAssertEqual(b.read(), [3, 4, 5, 6, 7, 8, 9])
        XCTAssertFalse(b.insert(offset: 0, data: [0, 1]), "old duplicate")
        XCTAssertEqual(b.readOffset, 10)
    }

    func testSendBufferRequeuesLostRangesAndDropsAcked() {
        var b = SendBuffer()
        b.append(Array(0..<100))
        let c1 = b.nextChunk(maxLength: 40)!
        let c2 = b.nextChunk(maxLength: 40)!
        XCTAssertEqual(c1.offset, 0); XCTAssertEqual(c2.offset, 40)
        b.onAcked(40..<80)
        b.onLost(0..<40)
        b.onLost(40..<80)  // acked already: nothing to resend
        let again = b.nextChunk(maxLength: 100)!
        XCTAssertEqual(again.offset, 0)
        XCTAssertEqual(again.data, Array(0..<40))
        let rest = b.nextChunk(maxLength: 100)!
        XCTAssertEqual(rest.offset, 80)
        b.onAcked(0..<40); b.onAcked(80..<100)
        XCTAssertTrue(b.isFullyAcked)
        XCTAssertEqual(b.baseOffset, 100)
    }

    func testSendBufferRespectsFlowControlLimitForNewData() {
        var b = SendBuffer()
        b.append(Array(repeating: 1, count: 100))
        XCTAssertEqual(b.nextChunk(maxLength: 100, limit: 30)?.data.count, 30)
        XCTAssertNil(b.nextChunk(maxLength: 100, limit: 30))
        b.onLost(0..<30)
        XCTAssertEqual(b.nextChunk(maxLength: 100, limit: 30)?.data.count, 30, "retransmission is within old credit")
    }

    /// A stream reset with more than 64 KiB in flight, then ACKs of that data (seen in moq-relay at
    /// 100 subscribers): used to trap in `storage.removeFirst`.
    func testAcksAfterResetDiscardAreIgnored() {
        var b = SendBuffer()
        b.append(Array(repeating: 7, count: 200_000))
        var sent: [Range<UInt64>] = []
        while let r = b.nextRange(maxLength: 1200) { sent.append(r) }
        b.discardAll()
        for r in sent { XCTAssertFalse(b.onAcked(r)) }
        XCTAssertTrue(b.isFullyAcked)
        XCTAssertEqual(b.unackedCount, 0)

        let s = SendStream(id: 0, maxStreamData: 1 << 20, capacity: 1 << 20)
        XCTAssertEqual(s.write(Array(repeating: 1, count: 100_000)), 100_000)
        var ranges: [Range<UInt64>] = []
        while let r = s.buffer.nextRange(maxLength: 1200) { ranges.append(r) }
        s.reset = (errorCode: 0, finalSize: s.buffer.highestSent)
        s.buffer.discardAll()
        for r in ranges { s.onAcked(offset: r.lowerBound, length: Int(r.upperBound - r.lowerBound), fin: false) }
        XCTAssertEqual(s.buffer.unackedCount, 0)
        XCTAssertEqual(s.buffer.baseOffset, 0, "acks after the reset do not move the buffer")
    }
}
