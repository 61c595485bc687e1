import CFastPathABI
import CLibBPF
import FastPath
import XCTest

/// Which packets the upstream-ingress program forwards, and that everything else passes up unchanged.
final class FastPathClassificationTests: XCTestCase {
    private var fixture: FastPathFixture!

    override func setUpWithError() throws {
        fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
    }

    override func tearDown() { fixture = nil }

    /// Runs `packet` and asserts it passed up byte-for-byte unchanged with nothing forwarded.
    private func assertPassedUnchanged(_ packet: [UInt8], context: __sk_buff? = nil, counter: fp_counter,
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try fixture.object.counters()
        let result = try fixture.run(packet, context: context)
        let delta = try fixture.object.counters().since(before)
        XCTAssertEqual(result.returnCode, tcActionOK, file: file, line: line)
        XCTAssertEqual(result.output, packet, "data_out must equal data_in", file: file, line: line)
        XCTAssertEqual(delta.forwarded, 0, file: file, line: line)
        XCTAssertEqual(delta.passedUp, 1, file: file, line: line)
        XCTAssertEqual(delta[counter], 1, "counter \(counter.rawValue)", file: file, line: line)
        XCTAssertEqual(try fixture.reader.drain().count, 0, "no record for a passed packet", file: file, line: line)
    }

    func testMediaPacketIsForwardedAndOriginalRestored() throws {
        let packet = fixture.mediaPacket(offset: 0).frame
        let result = try fixture.run(packet)
        XCTAssertEqual(result.returnCode, tcActionOK)
        XCTAssertEqual(result.output, packet, "the original goes up to user space unchanged")
        let counters = try fixture.object.counters()
        XCTAssertEqual(counters.media, 1)
        XCTAssertEqual(counters.forwarded, 1)
        XCTAssertEqual(counters.passedUp, 0)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.sent])
    }

    func testEthernetPaddingAfterTheDatagramIsAllowed() throws {
        let packet = fixture.mediaPacket(offset: 0).frame + [UInt8](repeating: 0, count: 12)
        let result = try fixture.run(packet)
        XCTAssertEqual(result.output, packet)
        XCTAssertEqual(try fixture.object.counters().forwarded, 1)
    }

    func testLongHeaderPassesUnchanged() throws {
        var p = fixture.mediaPacket(offset: 0)
        p.payload[0] = 0xc3 // long header, Initial
        try assertPassedUnchanged(p.frame, counter: FP_CNT_INELIGIBLE)
    }

    func testTwoFramesPassUnchanged() throws {
        // A STREAM frame with a length followed by PADDING: two frames.
        try assertPassedUnchanged(fixture.mediaPacket(offset: 0, trailing: [0, 0, 0]).frame, counter: FP_CNT_INELIGIBLE)
    }

    func testNonStreamFramePassesUnchanged() throws {
        // An ACK frame (0x02) in place of the STREAM frame.
        var p = fixture.mediaPacket(offset: 0)
        p.payload[1 + FastPathFixture.relayCIDLength + 4] = 0x02
        try assertPassedUnchanged(p.frame, counter: FP_CNT_INELIGIBLE)
    }

    func testUnknownDCIDPassesUnchanged() throws {
        let p = fixture.mediaPacket(offset: 0, cid: [9, 9, 9, 9, 9, 9, 9, 9])
        try assertPassedUnchanged(p.frame, counter: FP_CNT_FOREIGN)
    }

    func testKnownDCIDFromWrongAddressIsForeign() throws {
        var p = fixture.mediaPacket(offset: 0)
        p.path.sourcePort = 5001
        try assertPassedUnchanged(p.frame, counter: FP_CNT_FOREIGN)
    }

    func testTruncatedPacketsPassUnchanged() throws {
        var p = fixture.mediaPacket(offset: 0)
        p.udpLengthOverride = 8 + p.payload.count + 20 // UDP claims more than the frame holds
        try assertPassedUnchanged(p.frame, counter: FP_CNT_FOREIGN)
        // A QUIC packet cut inside the STREAM frame header.
        var q = fixture.mediaPacket(offset: 0)
        q.payload = Array(q.payload.prefix(1 + 8 + 4 + 3))
        try assertPassedUnchanged(q.frame, counter: FP_CNT_INELIGIBLE)
        // A UDP header cut short.
        try assertPassedUnchanged(Array(p.frame.prefix(14 + 20 + 4)), counter: FP_CNT_FOREIGN)
    }

    func testGSOPacketsPassUnchanged() throws {
        var ctx = __sk_buff()
        ctx.gso_segs = 2
        ctx.gso_size = 1200
        try assertPassedUnchanged(fixture.mediaPacket(offset: 0).frame, context: ctx, counter: FP_CNT_GSO)
    }

    func testBidirectionalStreamPassesUnchanged() throws {
        try assertPassedUnchanged(fixture.mediaPacket(streamID: 0, offset: 0).frame, counter: FP_CNT_INELIGIBLE)
    }

    func testNonSubgroupStreamPassesUnchanged() throws {
        // A FETCH_HEADER (type 0x05) stream is answered by user space.
        let header = Encode.vi64(0x05, length: 1) + Encode.vi64(1, length: 1)
        try assertPassedUnchanged(fixture.mediaPacket(offset: 0, header: header).frame, counter: FP_CNT_INELIGIBLE)
    }

    func testUnknownTrackPassesUnchanged() throws {
        let header = Encode.subgroupHeader(alias: 6, group: 1, priority: 1)
        try assertPassedUnchanged(fixture.mediaPacket(offset: 0, header: header).frame, counter: FP_CNT_INELIGIBLE)
    }

    func testUnknownStreamMidwayPassesUnchanged() throws {
        try assertPassedUnchanged(fixture.mediaPacket(streamID: 10, offset: 5000).frame, counter: FP_CNT_INELIGIBLE)
    }

    func testShortStreamIDEncodingPassesUnchanged() throws {
        try assertPassedUnchanged(fixture.mediaPacket(offset: 0, streamIDLength: 1).frame, counter: FP_CNT_INELIGIBLE)
    }

    func testNonQUICTrafficPassesUnchanged() throws {
        var arp = [UInt8](repeating: 0xff, count: 6) + FastPathFixture.publisherMAC + [0x08, 0x06]
        arp += [UInt8](repeating: 0, count: 28)
        try assertPassedUnchanged(arp, counter: FP_CNT_FOREIGN)
    }

    func testSubscriberOfAnotherFamilyOrCIDLengthIsSkipped() throws {
        try fixture.addSubscriber(try fixture.subscriber(1, ipv6: true), id: 1)
        var shortCID = try fixture.subscriber(2)
        shortCID.destinationConnectionID = [1, 2, 3, 4]
        try fixture.addSubscriber(shortCID, id: 2)
        try fixture.setTrack([1, 2, 0].map { FastPathTrackSubscriber(subscriberID: $0, alias: 9) })
        _ = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        XCTAssertEqual(try fixture.reader.drain().map(\.subscriberID), [0])
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_SUB_MISMATCH], 2)
    }

    func testDisabledFastPathPassesMedia() throws {
        try fixture.object.setConfiguration(localConnectionIDLength: FastPathFixture.relayCIDLength, flags: [])
        let packet = fixture.mediaPacket(offset: 0).frame
        let result = try fixture.run(packet)
        XCTAssertEqual(result.output, packet)
        XCTAssertEqual(try fixture.object.counters().forwarded, 0)
    }

    func testFrameWithoutLengthAndOffsetFieldsIsEligible() throws {
        let p = fixture.mediaPacket(offset: 0, withLength: false)
        var q = p
        q.payload = Encode.shortPacket(dcid: FastPathFixture.upstreamCID, packetNumber: 1, streamID: 6, offset: 0,
                                       alwaysOffset: false, data: Encode.subgroupHeader(alias: 5, group: 1, priority: 2) + [1, 2, 3])
        _ = try fixture.run(p.frame)
        _ = try fixture.run(q.frame)
        XCTAssertEqual(try fixture.object.counters().forwarded, 2)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.upstreamStreamID), [2, 6])
        XCTAssertEqual(records.map(\.length), [UInt32(p.payload.count - (1 + 8 + 4 + 1 + 4 + 4)), 3 + 5])
    }
}
