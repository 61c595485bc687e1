import CFastPathABI
import CLibBPF
import FastPath
import TestSupport
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
        XCTAssertEqual(try fixture.reader.poll(timeoutMilliseconds: 50).count, 0, "sends go to fp_sent_log, not the ring buffer")
        let records = try fixture.drain()
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
        XCTAssertEqual(try fixture.drain().count, 4)
    }

    func testUnreadSentLogIsNeverOverwrittenTheStreamGoesToUserSpace() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        // Nobody reads the log: the kernel stops FP_SENT_LOG_MARGIN short of the unread entries.
        var offset: UInt64 = 0
        var last: UInt64 = 0
        for _ in 0..<Int(FP_SENT_LOG_SLOTS) {
            _ = try fixture.run(fixture.mediaPacket(offset: offset).frame)
            last = offset
            offset += offset == 0 ? 206 : 200
            if try fixture.object.counters()[FP_CNT_LOG_FULL] > 0 { break }
        }
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_LOG_FULL], 1)
        let sent = fixture.shared.snapshot(0).next_packet_number
        XCTAssertEqual(sent, UInt64(FP_SENT_LOG_SLOTS - FP_SENT_LOG_MARGIN))
        let state = try XCTUnwrap(try fixture.object.subscriberStream(subscriberID: 0, upstreamID: 0, streamID: 2))
        XCTAssertNotEqual(state.flags & FP_SS_HANDOFF.rawValue, 0)
        // Every packet number the kernel took is in the log, once, in order; then the handoff.
        let records = try fixture.drain()
        XCTAssertEqual(records.filter { $0.kind == .sent }.map(\.packetNumber), Array(0..<sent))
        XCTAssertEqual(records.last?.kind, .handoff)
        XCTAssertEqual(records.last?.reason, UInt8(FP_REASON_LOG_FULL.rawValue))
        XCTAssertEqual(records.last?.finalSize, last, "user space sends the stream from the packet the kernel did not")
    }

    /// Property: over random interleavings of kernel sends, user-space allocations and reads of the log
    /// by the relay's rule, no packet number is ever used twice and every kernel-sent packet is read
    /// exactly once with its own stream offset.
    func testSentLogReadsEveryKernelPacketOnceAndNoNumberTwice() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        var rng = SeededGenerator(seed: 0x5eed)
        var userNumbers = Set<UInt64>()
        var kernelOffsets: [UInt64] = []
        var readOffsets: [UInt64: UInt64] = [:]
        var synced: UInt64 = 0
        var offset: UInt64 = 0
        func read() {
            let next = fixture.shared.nextPacketNumber(0)
            while synced < next {
                if userNumbers.contains(synced) {
                    XCTAssertNil(fixture.sentLog.record(subscriber: 0, packetNumber: synced), "user-space number \(synced) in the log")
                } else if let r = fixture.sentLog.record(subscriber: 0, packetNumber: synced) {
                    XCTAssertNil(readOffsets[synced], "packet \(synced) read twice")
                    readOffsets[synced] = r.offset
                } else {
                    XCTFail("kernel packet \(synced) missing from the log")
                }
                synced += 1
            }
            fixture.shared.setLogSynced(0, synced)
        }
        for _ in 0..<3000 {
            switch rng.next() % 10 {
            case 0...5:
                _ = try fixture.run(fixture.mediaPacket(offset: offset).frame)
                kernelOffsets.append(offset)
                offset += offset == 0 ? 206 : 200
            case 6, 7:
                let pn = fixture.shared.allocatePacketNumber(0)
                XCTAssertTrue(userNumbers.insert(pn).inserted, "number \(pn) taken twice")
            default:
                read()
            }
        }
        read()
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_LOG_FULL], 0)
        XCTAssertEqual(readOffsets.count, kernelOffsets.count)
        XCTAssertEqual(readOffsets.sorted { $0.key < $1.key }.map(\.value), kernelOffsets, "offsets in packet-number order")
        XCTAssertTrue(Set(readOffsets.keys).isDisjoint(with: userNumbers))
        XCTAssertEqual(UInt64(readOffsets.count + userNumbers.count), fixture.shared.nextPacketNumber(0))
    }
}
