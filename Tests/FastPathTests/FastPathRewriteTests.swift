import CFastPathABI
import CLibBPF
import FastPath
import XCTest

/// Each rewrite, byte for byte, against a packet built independently for the subscriber
/// (FP_CFG_KEEP_LAST_REWRITE leaves the last subscriber's copy in data_out).
final class FastPathRewriteTests: XCTestCase {
    /// The packet the subscriber must receive: its MACs, addresses, ports, CID, packet number, stream ID
    /// and alias, the upstream's offset and data.
    private func expected(_ fixture: FastPathFixture, for s: FastPathSubscriber, packetNumber: UInt32, streamID: UInt64,
                          alias: UInt64, offset: UInt64, priority: UInt8? = 3, dataLength: Int = 200, fin: Bool = false,
                          keyPhase: Bool = false) -> [UInt8] {
        var data: [UInt8] = []
        if offset == 0 { data += Encode.subgroupHeader(alias: alias, group: 9, subgroup: 0, priority: priority) }
        data += (0..<dataLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let quic = Encode.shortPacket(dcid: s.destinationConnectionID, packetNumber: packetNumber, keyPhase: keyPhase,
                                      streamID: streamID, offset: offset, fin: fin, data: data)
        return TestPacket(destinationMAC: s.destinationMAC, sourceMAC: s.sourceMAC, path: s.path, payload: quic).frame
    }

    func testIPv4RewriteByteForByte() throws {
        let fixture = try FastPathFixture()
        let s = try fixture.subscriber(0)
        try fixture.addSubscriber(s, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        let input = fixture.mediaPacket(offset: 0).frame
        let result = try fixture.run(input)
        XCTAssertEqual(result.returnCode, tcActionOK)
        let want = expected(fixture, for: s, packetNumber: 0, streamID: 3, alias: 9, offset: 0)
        XCTAssertEqual(result.output, want, "rewritten copy differs:\n got \(hex(result.output))\nwant \(hex(want))")
        XCTAssertTrue(InternetChecksum.verify(frame: result.output), "IPv4 and UDP checksums must be valid")
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.count, 1)
        XCTAssertTrue(records.first?.aliasRewritten ?? false)
    }

    func testIPv6RewriteByteForByte() throws {
        let fixture = try FastPathFixture(ipv6: true)
        let s = try fixture.subscriber(1, ipv6: true)
        try fixture.addSubscriber(s, id: 1, nextPacketNumber: 0x1_0000_0005, nextUniStream: 2)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 1, alias: 120)])
        let result = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        // Packet numbers are written as their low 32 bits; stream ID 2*4+3.
        let want = expected(fixture, for: s, packetNumber: 5, streamID: 11, alias: 120, offset: 0)
        XCTAssertEqual(result.output, want, "rewritten copy differs:\n got \(hex(result.output))\nwant \(hex(want))")
        XCTAssertTrue(InternetChecksum.verify(frame: result.output))
        XCTAssertEqual(try fixture.reader.drain().first?.packetNumber, 0x1_0000_0005)
    }

    func testSameAliasIsNotRewrittenAndKeyPhaseIsSet() throws {
        let fixture = try FastPathFixture()
        var s = try fixture.subscriber(0)
        s.keyPhase = true
        try fixture.addSubscriber(s, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: FastPathFixture.trackAlias)])
        let result = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        XCTAssertEqual(result.output, expected(fixture, for: s, packetNumber: 0, streamID: 3, alias: 5, offset: 0, keyPhase: true))
        XCTAssertTrue(InternetChecksum.verify(frame: result.output))
        XCTAssertEqual(try fixture.reader.drain().first?.aliasRewritten, false)
    }

    func testLaterPacketsKeepTheStreamAndTakeNextPacketNumbers() throws {
        let fixture = try FastPathFixture()
        let s = try fixture.subscriber(0)
        try fixture.addSubscriber(s, id: 0, nextPacketNumber: 40, nextUniStream: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        let first = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        XCTAssertEqual(first.output, expected(fixture, for: s, packetNumber: 40, streamID: 3, alias: 9, offset: 0))
        // User space sends a packet and opens a stream of its own on the same connection in between.
        XCTAssertEqual(fixture.shared.allocatePacketNumber(0), 41)
        XCTAssertEqual(fixture.shared.allocateUniStream(0), 1)
        let second = try fixture.run(fixture.mediaPacket(offset: 206, dataLength: 100, fin: true).frame)
        XCTAssertEqual(second.output, expected(fixture, for: s, packetNumber: 42, streamID: 3, alias: 9, offset: 206, dataLength: 100, fin: true))
        XCTAssertTrue(InternetChecksum.verify(frame: second.output))
        // A new upstream stream gets the next subscriber stream after the one user space took.
        let third = try fixture.run(fixture.mediaPacket(streamID: 6, offset: 0).frame)
        XCTAssertEqual(third.output, expected(fixture, for: s, packetNumber: 43, streamID: 2 * 4 + 3, alias: 9, offset: 0))
        let snapshot = fixture.shared.snapshot(0)
        XCTAssertEqual(snapshot.next_packet_number, 44)
        XCTAssertEqual(snapshot.next_uni_stream, 3)
        XCTAssertEqual(try fixture.object.subscriberStream(subscriberID: 0, upstreamID: 0, streamID: 2)?.sent_end, 306)
    }

    func testRetransmittedStreamStartKeepsStreamAndAlias() throws {
        let fixture = try FastPathFixture()
        let s = try fixture.subscriber(0)
        try fixture.addSubscriber(s, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        _ = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        // The publisher retransmits the stream's first packet (new packet number upstream).
        let again = try fixture.run(fixture.mediaPacket(offset: 0, packetNumber: 78).frame)
        XCTAssertEqual(again.output, expected(fixture, for: s, packetNumber: 1, streamID: 3, alias: 9, offset: 0))
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.newStream), [true, false])
        XCTAssertEqual(fixture.shared.snapshot(0).next_uni_stream, 1)
    }

    func testEverySubscriberGetsItsOwnNumbersAndTheLastCopyIsVisible() throws {
        let fixture = try FastPathFixture()
        let s0 = try fixture.subscriber(0)
        let s1 = try fixture.subscriber(1)
        try fixture.addSubscriber(s0, id: 0, nextPacketNumber: 7, nextUniStream: 4)
        try fixture.addSubscriber(s1, id: 1, nextPacketNumber: 1000, nextUniStream: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9), FastPathTrackSubscriber(subscriberID: 1, alias: 11)])
        let result = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        XCTAssertEqual(result.output, expected(fixture, for: s1, packetNumber: 1000, streamID: 3, alias: 11, offset: 0))
        XCTAssertTrue(InternetChecksum.verify(frame: result.output))
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.subscriberID), [0, 1])
        XCTAssertEqual(records.map(\.connectionID), [100, 101])
        XCTAssertEqual(records.map(\.packetNumber), [7, 1000])
        XCTAssertEqual(records.map(\.streamID), [19, 3])
    }

    func testRestoreAfterSeveralSubscribersGivesTheOriginalBack() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone])
        for id in UInt32(0)..<5 { try fixture.addSubscriber(try fixture.subscriber(id), id: id) }
        try fixture.setTrack((0..<5).map { FastPathTrackSubscriber(subscriberID: $0, alias: 20 + UInt64($0)) })
        for offset: UInt64 in [0, 205] {
            let input = fixture.mediaPacket(offset: offset).frame
            let result = try fixture.run(input)
            XCTAssertEqual(result.output, input)
        }
        XCTAssertEqual(try fixture.object.counters().forwarded, 10)
    }

    func testAliasWiderThanTheFieldHandsTheStreamToUserSpace() throws {
        let fixture = try FastPathFixture()
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 300)]) // needs 2 vi64 bytes
        let input = fixture.mediaPacket(offset: 0).frame
        XCTAssertEqual(try fixture.run(input).output, input)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.handoff])
        XCTAssertEqual(records.first?.reason, UInt8(FP_REASON_ALIAS_WIDTH.rawValue))
        XCTAssertEqual(records.first?.finalSize, 0, "user space continues from offset 0")
        // Later packets of the stream stay with user space.
        XCTAssertEqual(try fixture.run(fixture.mediaPacket(offset: 206).frame).output, fixture.mediaPacket(offset: 206).frame)
        XCTAssertEqual(try fixture.object.counters().forwarded, 0)
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_HANDOFF], 2)
    }

    func testStreamIDBeyondTheFieldWidthIsHandedOverWithItsID() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, nextUniStream: 1 << 28, streamsCredit: 5)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        _ = try fixture.run(fixture.mediaPacket(offset: 0).frame)               // 4-byte stream ID field
        _ = try fixture.run(fixture.mediaPacket(offset: 206).frame)
        _ = try fixture.run(fixture.mediaPacket(streamID: 6, offset: 0, streamIDLength: 8).frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.handoff, .sent])
        XCTAssertEqual(records[0].reason, UInt8(FP_REASON_STREAM_ID_WIDTH.rawValue))
        XCTAssertEqual(records[0].streamID, (1 << 30) + 3)
        XCTAssertTrue(records[0].streamOpen, "user space sends the stream on the ID the kernel assigned")
        XCTAssertEqual(records[1].streamID, (1 << 30) + 7, "an 8-byte field takes any stream ID")
        let snapshot = fixture.shared.snapshot(0)
        XCTAssertEqual(snapshot.streams_credit, 3)
        XCTAssertEqual(snapshot.next_uni_stream, (1 << 28) + 2)
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_HANDOFF], 2)
    }

    func testFullSubscriberStreamMapHandsTheStreamOver() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone], maxSubscriberStreams: 2)
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        for stream: UInt64 in [2, 6, 10] { _ = try fixture.run(fixture.mediaPacket(streamID: stream, offset: 0).frame) }
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.sent, .sent, .handoff])
        XCTAssertEqual(records[2].reason, UInt8(FP_REASON_MAP_FULL.rawValue))
        XCTAssertEqual(records[2].streamID, 11)
        XCTAssertEqual(try fixture.object.counters().mapFull, 1)
    }

    func testComputedZeroChecksumIsSentAsFFFF() throws {
        let fixture = try FastPathFixture()
        let s = try fixture.subscriber(0)
        try fixture.addSubscriber(s, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        // Choose the last two data bytes so the subscriber's copy sums to exactly 0xffff (checksum 0).
        var want = expected(fixture, for: s, packetNumber: 0, streamID: 3, alias: 9, offset: 0, dataLength: 200)
        let l4 = 14 + 20
        want[want.count - 2] = 0
        want[want.count - 1] = 0
        want[l4 + 6] = 0
        want[l4 + 7] = 0
        let pseudo = InternetChecksum.pseudoHeaderSum(source: s.path.sourceAddress, destination: s.path.destinationAddress,
                                                      udpLength: want.count - l4)
        var total = InternetChecksum.sum(want[l4...], initial: pseudo)
        while total > 0xffff { total = (total & 0xffff) + (total >> 16) }
        let word = UInt16(0xffff - total)
        var input = fixture.mediaPacket(offset: 0)
        input.payload[input.payload.count - 2] = UInt8(word >> 8)
        input.payload[input.payload.count - 1] = UInt8(word & 0xff)
        want[want.count - 2] = UInt8(word >> 8)
        want[want.count - 1] = UInt8(word & 0xff)
        want[l4 + 6] = 0xff
        want[l4 + 7] = 0xff
        let result = try fixture.run(input.frame)
        XCTAssertEqual(Array(result.output[(l4 + 6)...(l4 + 7)]), [0xff, 0xff])
        XCTAssertEqual(result.output, want)
        XCTAssertTrue(InternetChecksum.verify(frame: result.output))
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
