import CFastPathABI
import CLibBPF
import FastPath
import XCTest

/// What the ring buffer reports for each forwarded packet, and the decision counters.
final class FastPathRecordTests: XCTestCase {
    func testSentRecordCarriesEverythingTheSentHistoryNeeds() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(3), id: 3, nextPacketNumber: 500, nextUniStream: 10)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 3, alias: 9)])
        let first = fixture.mediaPacket(offset: 0, priority: 4)
        let last = fixture.mediaPacket(offset: 206, dataLength: 50, fin: true)
        let before = monotonicNanoseconds()
        _ = try fixture.run(first.frame)
        _ = try fixture.run(last.frame)
        let after = monotonicNanoseconds()
        let records = try fixture.reader.poll(timeoutMilliseconds: 100)
        XCTAssertEqual(records.count, 2)
        let r = records[0]
        XCTAssertEqual(r.kind, .sent)
        XCTAssertEqual(r.subscriberID, 3)
        XCTAssertEqual(r.connectionID, 103)
        XCTAssertEqual(r.upstreamID, 0)
        XCTAssertEqual(r.packetNumber, 500)
        XCTAssertEqual(r.streamID, 43)
        XCTAssertEqual(r.upstreamStreamID, FastPathFixture.mediaStream)
        XCTAssertEqual(r.offset, 0)
        XCTAssertEqual(r.length, 206)
        XCTAssertEqual(r.packetSize, UInt32(first.payload.count))
        XCTAssertEqual(r.trackID, 42)
        XCTAssertEqual(r.priority, 4)
        XCTAssertTrue(r.newStream)
        XCTAssertTrue(r.streamOpen)
        XCTAssertFalse(r.fin)
        XCTAssertFalse(r.cloneFailed)
        XCTAssertTrue((before...after).contains(r.sendTimeNanoseconds), "stamped in the kernel with CLOCK_MONOTONIC")
        let f = records[1]
        XCTAssertEqual(f.packetNumber, 501)
        XCTAssertEqual(f.streamID, 43)
        XCTAssertEqual(f.offset, 206)
        XCTAssertEqual(f.length, 50)
        XCTAssertTrue(f.fin)
        XCTAssertFalse(f.newStream)
        XCTAssertEqual(f.priority, 4, "priority remembered per stream")
        XCTAssertGreaterThanOrEqual(f.sendTimeNanoseconds, r.sendTimeNanoseconds)
        XCTAssertEqual(fixture.reader.malformedRecords, 0)
    }

    func testCountersFollowTheDecisions() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.addSubscriber(try fixture.subscriber(1), id: 1)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9), FastPathTrackSubscriber(subscriberID: 1, alias: 9)])
        _ = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        _ = try fixture.run(fixture.mediaPacket(offset: 206).frame)
        _ = try fixture.run(fixture.mediaPacket(offset: 0, cid: [1, 2, 3, 4, 5, 6, 7, 8]).frame)
        var longHeader = fixture.mediaPacket(offset: 0)
        longHeader.payload[0] = 0xc0
        _ = try fixture.run(longHeader.frame)
        let c = try fixture.object.counters()
        XCTAssertEqual(c.seen, 4)
        XCTAssertEqual(c.media, 2)
        XCTAssertEqual(c.forwarded, 4)
        XCTAssertEqual(c.passedUp, 2)
        XCTAssertEqual(c[FP_CNT_FOREIGN], 1)
        XCTAssertEqual(c.ineligible, 1)
        XCTAssertEqual(c.ringBufferFull, 0)
        XCTAssertEqual(c.mapFull, 0)
        XCTAssertEqual(fixture.shared.snapshot(1).forwarded_packets, 2)
        XCTAssertEqual(try fixture.reader.drain().count, 4)
    }

    func testFullRingBufferIsCountedAndTheStreamMarked() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        // 64 KiB of ring holds a bit under 700 records of 80 bytes + 8 header; nobody reads.
        var offset: UInt64 = 0
        for _ in 0..<800 {
            _ = try fixture.run(fixture.mediaPacket(offset: offset).frame)
            offset += offset == 0 ? 206 : 200
            if try fixture.object.counters().ringBufferFull > 0 { break }
        }
        let c = try fixture.object.counters()
        XCTAssertEqual(c.ringBufferFull, 1)
        XCTAssertEqual(fixture.shared.snapshot(0).unreported, 1)
        let state = try XCTUnwrap(try fixture.object.subscriberStream(subscriberID: 0, upstreamID: 0, streamID: 2))
        XCTAssertNotEqual(state.flags & FP_SS_UNREPORTED.rawValue, 0)
        XCTAssertNotEqual(state.flags & FP_SS_HANDOFF.rawValue, 0)
        // Every packet number the kernel took has a record.
        let records = try fixture.reader.drain()
        XCTAssertEqual(UInt64(records.count), fixture.shared.snapshot(0).next_packet_number)
    }
}
