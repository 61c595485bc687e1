import CFastPathABI
import CLibBPF
import FastPath
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The subscriber-ingress program learns where a subscriber is and always passes the packet up.
final class FastPathLearningTests: XCTestCase {
    static let subscriberSideCID: [UInt8] = [0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8]

    func testSubscriberPacketsTeachTheNextHopUsedForForwarding() throws {
        let fixture = try FastPathFixture()
        let s = try fixture.subscriber(0)
        try fixture.addSubscriber(s, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        try fixture.object.setLocalConnectionID(Self.subscriberSideCID, owner: .subscriber(0))

        let peerMAC: [UInt8] = [0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]
        let ourMAC: [UInt8] = [0x02, 0x11, 0x22, 0x33, 0x44, 0x55]
        let ack = Encode.shortPacket(dcid: Self.subscriberSideCID, packetNumber: 3, streamID: 0, offset: 0, data: [1, 2, 3])
        let fromSubscriber = TestPacket(destinationMAC: ourMAC, sourceMAC: peerMAC, path: s.path.reversed, payload: ack).frame
        var ctx = __sk_buff()
        ctx.ifindex = 1
        let result = try fixture.object.testRun(.subscriberIngress, packet: fromSubscriber, context: ctx)
        XCTAssertEqual(result.returnCode, tcActionOK)
        XCTAssertEqual(result.output, fromSubscriber)

        let learned = try XCTUnwrap(try fixture.object.learned(0))
        XCTAssertNotEqual(learned.seen_ns, 0)
        XCTAssertEqual(learned.packets, 1)
        XCTAssertEqual(learned.ifindex, 1)
        var copy = learned
        XCTAssertEqual(withUnsafeBytes(of: &copy.peer_mac) { Array($0) }, peerMAC)
        XCTAssertEqual(withUnsafeBytes(of: &copy.local_mac) { Array($0) }, ourMAC)
        XCTAssertEqual(FastPathEndpointPair(learned.path), s.path.reversed)
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_LEARNED], 1)

        // The learned next hop replaces the configured MACs in forwarded copies.
        let out = try fixture.run(fixture.mediaPacket(offset: 0).frame).output
        XCTAssertEqual(Array(out[0..<6]), peerMAC)
        XCTAssertEqual(Array(out[6..<12]), ourMAC)
        XCTAssertTrue(InternetChecksum.verify(frame: out))
    }

    func testTheUpstreamProgramLearnsTooOnASharedInterface() throws {
        let fixture = try FastPathFixture()
        let s = try fixture.subscriber(0)
        try fixture.addSubscriber(s, id: 0)
        try fixture.object.setLocalConnectionID(Self.subscriberSideCID, owner: .subscriber(0))
        let packet = TestPacket(destinationMAC: FastPathFixture.relayMAC, sourceMAC: [0x0a, 1, 2, 3, 4, 5], path: s.path.reversed,
                                payload: Encode.shortPacket(dcid: Self.subscriberSideCID, packetNumber: 3, streamID: 0, offset: 0, data: [7])).frame
        let result = try fixture.run(packet)
        XCTAssertEqual(result.output, packet)
        XCTAssertEqual(try fixture.object.learned(0)?.packets, 1)
        let counters = try fixture.object.counters()
        XCTAssertEqual(counters[FP_CNT_LEARNED], 1)
        XCTAssertEqual(counters.passedUp, 1)
        XCTAssertEqual(counters[FP_CNT_FOREIGN], 0)
    }

    func testUnknownAndUpstreamConnectionIDsTeachNothing() throws {
        let fixture = try FastPathFixture()
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        for cid in [[UInt8](repeating: 0x77, count: 8), FastPathFixture.upstreamCID] {
            let packet = TestPacket(destinationMAC: FastPathFixture.relayMAC, sourceMAC: FastPathFixture.publisherMAC,
                                    path: try fixture.subscriber(0).path.reversed,
                                    payload: Encode.shortPacket(dcid: cid, packetNumber: 1, streamID: 0, offset: 0, data: [0])).frame
            XCTAssertEqual(try fixture.object.testRun(.subscriberIngress, packet: packet).output, packet)
        }
        XCTAssertEqual(try fixture.object.learned(0)?.seen_ns, 0)
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_LEARNED], 0)
    }

    /// A packet carrying a subscriber's connection ID but not coming from its validated address and
    /// port (spoofed, or an unvalidated migration) teaches nothing: the subscriber's media keeps going
    /// to the configured next hop, never to the spoofer's. An inactive subscriber learns nothing either.
    func testPacketsOffTheValidatedPathTeachNothing() throws {
        let fixture = try FastPathFixture()
        let s = try fixture.subscriber(0)
        try fixture.addSubscriber(s, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        try fixture.object.setLocalConnectionID(Self.subscriberSideCID, owner: .subscriber(0))
        let attackerMAC: [UInt8] = [0x0e, 0xee, 0xee, 0xee, 0xee, 0xee]
        let payload = Encode.shortPacket(dcid: Self.subscriberSideCID, packetNumber: 3, streamID: 0, offset: 0, data: [1])
        var spoofedAddress = s.path.reversed
        spoofedAddress.sourceAddress = [192, 0, 2, 66] + [UInt8](repeating: 0, count: max(0, spoofedAddress.sourceAddress.count - 4))
        var spoofedPort = s.path.reversed
        spoofedPort.sourcePort = spoofedPort.sourcePort &+ 1
        for path in [spoofedAddress, spoofedPort] {
            let packet = TestPacket(destinationMAC: FastPathFixture.relayMAC, sourceMAC: attackerMAC, path: path, payload: payload).frame
            XCTAssertEqual(try fixture.object.testRun(.subscriberIngress, packet: packet).output, packet, "passed up unchanged")
            XCTAssertEqual(try fixture.run(packet).output, packet)
        }
        XCTAssertEqual(try fixture.object.learned(0)?.seen_ns, 0)
        let counters = try fixture.object.counters()
        XCTAssertEqual(counters[FP_CNT_LEARNED], 0)
        XCTAssertEqual(counters[FP_CNT_LEARN_REFUSED], 4)
        // Media still goes to the configured next hop.
        let out = try fixture.run(fixture.mediaPacket(offset: 0).frame).output
        XCTAssertEqual(Array(out[0..<6]), s.destinationMAC)
        XCTAssertNotEqual(Array(out[0..<6]), attackerMAC)
    }
}
