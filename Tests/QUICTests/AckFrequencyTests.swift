import NetSim
import Wire
import XCTest
@testable import QUIC

/// The ACK frequency extension (draft-ietf-quic-ack-frequency): negotiation, fewer ACKs, loss still
/// noticed at once, and peers without it unchanged.
final class AckFrequencyTests: XCTestCase {
    private struct Run {
        var ackFramesAtSender: Int
        var packetsSent: Int
        var retransmitted: UInt64
        var seconds: Double
        var requestSeen: AckFrequencyFrame?
        var requestSent: AckFrequencyFrame?
    }

    /// 2 MB client -> server over a 20 ms, 12.5 MB/s link; the client may ask for fewer ACKs.
    private func transfer(senderPolicy: AckFrequencyPolicy?, receiverOffers: Bool = true, lossRate: Double = 0,
                          jitter: QUICDuration = .zero) throws -> Run {
        var sender = ConnectionConfiguration()
        sender.ackFrequency = senderPolicy
        var receiver = ConnectionConfiguration()
        if !receiverOffers { receiver.minAckDelay = nil }
        let link = LinkConfiguration(delay: .milliseconds(10), jitter: jitter, lossRate: lossRate, bandwidth: 12_500_000)
        let pair = SimulatedPair(seed: 11, clientToServer: link, serverToClient: link, configuration: receiver, clientConfiguration: sender)
        let scenario = TransferScenario(pair: pair, total: 2 << 20, bidirectional: false)
        try pair.connect()
        let start = pair.simulator.now
        XCTAssertTrue(pair.run(seconds: 300) { scenario.isComplete || scenario.corrupt })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertEqual(scenario.received, 2 << 20)
        let client = try XCTUnwrap(pair.clientConnection), server = try XCTUnwrap(pair.serverConnection)
        print("RUN policy=\(senderPolicy != nil) loss=\(lossRate): client sent \(client.stats.packetsSent) lost \(client.stats.packetsLost) ptos \(client.stats.ptoCount); server sent \(server.stats.packetsSent); acks at client \(client.ackFramesReceived)")
        return Run(ackFramesAtSender: client.ackFramesReceived, packetsSent: client.stats.packetsSent,
                   retransmitted: client.stats.streamBytesRetransmitted, seconds: (pair.simulator.now - start).milliseconds / 1000,
                   requestSeen: server.peerAckFrequency, requestSent: client.ackFrequencySent)
    }

    func testNegotiatedRequestCutsTheAckRateFourfold() throws {
        let before = try transfer(senderPolicy: nil)
        let after = try transfer(senderPolicy: AckFrequencyPolicy())
        let seen = try XCTUnwrap(after.requestSeen)
        XCTAssertEqual(seen.ackElicitingThreshold, 9)
        XCTAssertEqual(seen.reorderingThreshold, 3)
        // A quarter of the 20 ms RTT is below the 10 ms floor.
        XCTAssertEqual(seen.requestedMaxAckDelay, 10_000)
        XCTAssertNil(before.requestSeen)
        let ratioBefore = Double(before.ackFramesAtSender) / Double(before.packetsSent)
        let ratioAfter = Double(after.ackFramesAtSender) / Double(after.packetsSent)
        print("ACK frames per packet sent: \(ratioBefore) without ACK_FREQUENCY, \(ratioAfter) with; transfer \(before.seconds) s vs \(after.seconds) s")
        XCTAssertGreaterThan(ratioBefore, 0.4)
        XCTAssertLessThan(ratioAfter, ratioBefore / 4)  // about one ACK per 10 packets instead of per 2
        // Throughput does not suffer from the sparser ACK clock (pacing spreads the sends).
        XCTAssertLessThan(after.seconds, before.seconds * 1.25)
    }

    func testLossIsRepairedAndReportedPromptlyWithFewerAcks() throws {
        let before = try transfer(senderPolicy: nil, lossRate: 0.03)
        let after = try transfer(senderPolicy: AckFrequencyPolicy(), lossRate: 0.03)
        XCTAssertGreaterThan(after.retransmitted, 0)
        print("3% loss: \(before.seconds) s and \(before.ackFramesAtSender) ACKs without, \(after.seconds) s and \(after.ackFramesAtSender) ACKs with; request \(String(describing: after.requestSent)) seen \(String(describing: after.requestSeen))")
        XCTAssertLessThan(after.ackFramesAtSender, before.ackFramesAtSender)
        // The reordering threshold makes the receiver report holes at once: no PTO-bound slowdown.
        XCTAssertLessThan(after.seconds, before.seconds * 1.5)
    }

    func testPeerWithoutTheExtensionIsNotAsked() throws {
        let r = try transfer(senderPolicy: AckFrequencyPolicy(), receiverOffers: false)
        XCTAssertNil(r.requestSent)
        XCTAssertNil(r.requestSeen)
        XCTAssertGreaterThan(Double(r.ackFramesAtSender) / Double(r.packetsSent), 0.4)
    }

    func testAckFrequencyWithoutOfferingMinAckDelayIsAProtocolViolation() throws {
        var config = ConnectionConfiguration()
        config.minAckDelay = nil
        let pair = SimulatedPair(configuration: config)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let server = try XCTUnwrap(pair.serverConnection)
        let frame = Frame.ackFrequency(AckFrequencyFrame(sequenceNumber: 0, ackElicitingThreshold: 9, requestedMaxAckDelay: 10_000, reorderingThreshold: 3))
        XCTAssertThrowsError(try server.handleFrame(frame, level: .oneRTT, now: pair.simulator.now)) { error in
            XCTAssertEqual((error as? QUICError)?.code, .protocolViolation)
        }
    }

    func testRequestBelowMinAckDelayIsRejectedAndOlderSequenceIgnored() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let server = try XCTUnwrap(pair.serverConnection)
        let now = pair.simulator.now
        XCTAssertThrowsError(try server.handleFrame(.ackFrequency(AckFrequencyFrame(sequenceNumber: 0, ackElicitingThreshold: 1,
                                                                                    requestedMaxAckDelay: 10, reorderingThreshold: 1)), level: .oneRTT, now: now))
        try server.handleFrame(.ackFrequency(AckFrequencyFrame(sequenceNumber: 5, ackElicitingThreshold: 4, requestedMaxAckDelay: 5000, reorderingThreshold: 2)),
                               level: .oneRTT, now: now)
        try server.handleFrame(.ackFrequency(AckFrequencyFrame(sequenceNumber: 3, ackElicitingThreshold: 99, requestedMaxAckDelay: 9000, reorderingThreshold: 0)),
                               level: .oneRTT, now: now)
        XCTAssertEqual(server.peerAckFrequency?.sequenceNumber, 5)
        XCTAssertEqual(server.peerAckFrequency?.ackElicitingThreshold, 4)
    }

    func testReorderingThresholdRule() {
        var s = PacketSpaceState()
        for pn: UInt64 in [0, 1, 2] { s.received.insert(pn); s.largestReceived = pn }
        s.ackSentLargest = 2
        // 3 missing, 4 and 5 arrive: the hole is 2 behind the largest, below a threshold of 3.
        s.received.insert(4); s.largestReceived = 4
        XCTAssertFalse(s.reorderingExceeds(3, packetNumber: 4, wasLargest: 2))
        s.received.insert(5); s.largestReceived = 5
        XCTAssertFalse(s.reorderingExceeds(3, packetNumber: 5, wasLargest: 4))
        s.received.insert(6); s.largestReceived = 6
        XCTAssertTrue(s.reorderingExceeds(3, packetNumber: 6, wasLargest: 5))
        // Once an ACK reported the hole, later packets do not trigger again.
        s.ackSentLargest = 6
        s.received.insert(7); s.largestReceived = 7
        XCTAssertFalse(s.reorderingExceeds(3, packetNumber: 7, wasLargest: 6))
        // A packet arriving 3 or more behind the largest is reported at once.
        s.received.insert(3)
        XCTAssertTrue(s.reorderingExceeds(3, packetNumber: 3, wasLargest: 7))
    }

    func testFramesAndTransportParameterRoundTrip() throws {
        let f = Frame.ackFrequency(AckFrequencyFrame(sequenceNumber: 7, ackElicitingThreshold: 9, requestedMaxAckDelay: 25_000, reorderingThreshold: 3))
        XCTAssertEqual(try Frame.decodeAll(f.encoded), [f])
        XCTAssertEqual(try Frame.decodeAll(Frame.immediateAck.encoded), [.immediateAck])
        XCTAssertEqual(Frame.immediateAck.encoded, [0x1f])
        XCTAssertTrue(Frame.immediateAck.isAckEliciting)
        // Truncated ACK_FREQUENCY: FRAME_ENCODING_ERROR.
        XCTAssertThrowsError(try Frame.decodeAll(Array(f.encoded.dropLast()))) { XCTAssertEqual(($0 as? QUICError)?.code, .frameEncodingError) }
        var tp = TransportParameters()
        tp.minAckDelay = 1000
        XCTAssertEqual(try TransportParameters.decode(tp.encode(), sentBy: .client).minAckDelay, 1000)
        tp.minAckDelay = 26_000  // above max_ack_delay (25 ms)
        XCTAssertThrowsError(try TransportParameters.decode(tp.encode(), sentBy: .client)) {
            XCTAssertEqual(($0 as? QUICError)?.code, .transportParameterError)
        }
    }

    /// Regression: with the window one packet short of full, the IMMEDIATE_ACK that marks the last
    /// packet of a flight once went out alone (a STREAM frame of fast-path encoding must be alone in
    /// its packet), over and over: thousands of tiny packets and no data. It now rides only with data.
    func testWindowLimitedSoloStreamsDoNotFloodImmediateAcks() throws {
        var sender = ConnectionConfiguration()
        sender.ackFrequency = AckFrequencyPolicy()
        sender.fastPathEncoding = true
        let link = LinkConfiguration(delay: .milliseconds(10), bandwidth: 50_000, queueCapacity: 20_000)
        let pair = SimulatedPair(seed: 5, clientToServer: link, serverToClient: LinkConfiguration(), configuration: ConnectionConfiguration(),
                                 clientConfiguration: sender)
        let scenario = TransferScenario(pair: pair, total: 200_000, bidirectional: false)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 60) { scenario.isComplete || scenario.corrupt })
        XCTAssertEqual(scenario.received, 200_000)
        let client = try XCTUnwrap(pair.clientConnection)
        print("solo window-limited: \(client.stats.packetsSent) packets for 200 kB")
        XCTAssertLessThan(client.stats.packetsSent, 260, "about one packet per 1.1 kB of data, no flood")
    }
}
