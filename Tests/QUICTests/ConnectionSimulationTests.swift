import NetSim
import XCTest
@testable import QUIC

final class ConnectionSimulationTests: XCTestCase {
    func testHandshakeCompletesWithALPNAndTransportParameters() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        XCTAssertEqual(pair.clientEvents.first, .handshakeCompleted(alpn: "test"))
        XCTAssertEqual(pair.clientConnection?.negotiatedALPN, "test")
        XCTAssertTrue(pair.clientConnection?.isEstablished ?? false)
        XCTAssertTrue(pair.serverConnection?.isEstablished ?? false)
        XCTAssertEqual(pair.clientConnection?.peerTransportParameters?.initialMaxData, ConnectionConfiguration().initialMaxData)
        // Handshake confirmation discards Initial and Handshake keys on both sides.
        XCTAssertTrue(pair.run(seconds: 1) { pair.clientConnection?.handshakeConfirmed ?? false })
        XCTAssertNil(pair.clientConnection?.writeKeys[EncryptionLevel.handshake.rawValue])
        XCTAssertNil(pair.serverConnection?.writeKeys[EncryptionLevel.initial.rawValue])
    }

    func testHandshakeWithLoopbackTestTLS() throws {
        let pair = SimulatedPair(tls: .loopback)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        XCTAssertEqual(pair.serverEvents.first, .handshakeCompleted(alpn: "test"))
    }

    func testALPNMismatchClosesWithCryptoError() throws {
        let pair = SimulatedPair(serverALPN: "other")
        try pair.connect(alpn: "test")
        XCTAssertTrue(pair.run(seconds: 5) { pair.clientEvents.contains { if case .connectionClosed = $0 { return true }; return false } })
        guard case .connectionClosed(.peerTransportError(let error)) = pair.clientEvents.last else { return XCTFail("\(pair.clientEvents)") }
        XCTAssertEqual(error.code, .crypto(alert: 120))
    }

    func testRetryValidatesAddressThenHandshakeCompletes() throws {
        let pair = SimulatedPair(requiresRetry: true)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        XCTAssertTrue(pair.clientConnection?.retried ?? false)
        XCTAssertNotNil(pair.serverConnection?.peerTransportParameters)
    }

    func testIdleTimeoutClosesBothSides() throws {
        var config = ConnectionConfiguration()
        config.maxIdleTimeout = .milliseconds(2000)
        let pair = SimulatedPair(configuration: config)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let start = pair.simulator.now
        XCTAssertTrue(pair.run(seconds: 30) {
            pair.clientEvents.contains(.connectionClosed(.idleTimeout)) && pair.serverEvents.contains(.connectionClosed(.idleTimeout))
        })
        let elapsed = pair.simulator.now - start
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(1900))
        XCTAssertLessThan(elapsed, .milliseconds(4000))
    }

    func testApplicationCloseReachesPeer() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        pair.clientConnection?.close(applicationErrorCode: 42, reason: "bye", now: pair.simulator.now)
        XCTAssertTrue(pair.run(seconds: 5) { pair.serverEvents.contains { if case .connectionClosed = $0 { return true }; return false } })
        XCTAssertEqual(pair.serverEvents.last, .connectionClosed(.peerApplicationClose(errorCode: 42, reason: "bye")))
    }

    func testMalformedFrameClosesWithFrameEncodingError() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        // A MAX_STREAMS frame whose varint is cut short.
        let datagram = try XCTUnwrap(ProtectedPacketForge.oneRTT(from: client, payload: [0x01, 0x01, 0x01, 0x12, 0xc0, 0x00]))
        pair.serverConnection?.handle(datagram: datagram, now: pair.simulator.now)
        XCTAssertNotNil(pair.serverConnection?.closeReasonIfClosed, "\(String(describing: pair.serverConnection?.stats))")
        XCTAssertTrue(pair.run(seconds: 5) { pair.clientEvents.contains { if case .connectionClosed = $0 { return true }; return false } })
        guard case .connectionClosed(.localTransportError(let local))? = pair.serverEvents.last else { return XCTFail("\(pair.serverEvents)") }
        XCTAssertEqual(local.code, .frameEncodingError)
        XCTAssertEqual(local.frameType, FrameType.maxStreamsBidi)
        guard case .connectionClosed(.peerTransportError(let remote))? = pair.clientEvents.last else { return XCTFail("\(pair.clientEvents)") }
        XCTAssertEqual(remote.code, .frameEncodingError)
    }

    func testStreamBeyondLimitClosesWithStreamLimitError() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        let limit = ConnectionConfiguration().initialMaxStreamsUni
        let frame = Frame.stream(StreamFrame(streamID: StreamID.make(index: limit, initiator: .client, bidirectional: false), offset: 0, data: [1], fin: false))
        let datagram = try XCTUnwrap(ProtectedPacketForge.oneRTT(from: client, payload: frame.encoded))
        pair.serverConnection?.handle(datagram: datagram, now: pair.simulator.now)
        XCTAssertEqual(pair.serverConnection?.closeReasonIfClosed, .localTransportError(QUICError(.streamLimitError)))
    }

    func testFrameInWrongSpaceIsProtocolViolation() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let server = try XCTUnwrap(pair.serverConnection)
        // HANDSHAKE_DONE sent to the server is a violation (only servers send it).
        let datagram = try XCTUnwrap(ProtectedPacketForge.oneRTT(from: try XCTUnwrap(pair.clientConnection), payload: Frame.handshakeDone.encoded))
        server.handle(datagram: datagram, now: pair.simulator.now)
        XCTAssertEqual(server.closeReasonIfClosed, .localTransportError(QUICError(.protocolViolation)))
    }

    // MARK: Bulk transfers

    private struct TransferResult {
        var seconds: Double
        var clientStats: Connection.Stats
        var serverStats: Connection.Stats
        var link: LinkStats
    }

    private func transfer(bytes: Int, bidirectional: Bool, link: LinkConfiguration, seed: UInt64 = 7,
                          configuration: ConnectionConfiguration = ConnectionConfiguration(), timeLimit: Double = 600) throws -> TransferResult {
        let pair = SimulatedPair(seed: seed, clientToServer: link, serverToClient: link, configuration: configuration)
        let scenario = TransferScenario(pair: pair, total: bytes, bidirectional: bidirectional)
        try pair.connect()
        let start = pair.simulator.now
        let done = pair.run(seconds: timeLimit) { scenario.isComplete || scenario.corrupt }
        XCTAssertTrue(done, "transfer did not finish: \(scenario.received)/\(bytes) bytes, client \(String(describing: pair.clientConnection?.stats)) events \(pair.clientEvents.suffix(3))")
        XCTAssertFalse(scenario.corrupt, "data corrupted")
        XCTAssertEqual(scenario.received, bytes)
        XCTAssertTrue(scenario.receivedFin)
        if bidirectional { XCTAssertEqual(scenario.replyReceived, scenario.echoReply) }
        let seconds = (pair.simulator.now - start).milliseconds / 1000
        let result = TransferResult(seconds: seconds, clientStats: pair.clientConnection?.stats ?? .init(),
                                    serverStats: pair.serverConnection?.stats ?? .init(),
                                    link: pair.simulator.stats(from: pair.clientAddress, to: pair.serverAddress))
        print("SIM \(bidirectional ? "bidi" : "uni") \(bytes) B loss \(link.lossRate) dup \(link.duplicationRate) jitter \(link.jitter): " +
              "\(String(format: "%.2f", seconds)) s virtual, client sent \(result.clientStats.packetsSent) packets, " +
              "lost \(result.clientStats.packetsLost), retransmitted \(result.clientStats.streamBytesRetransmitted) B, PTOs \(result.clientStats.ptoCount), " +
              "datagrams dropped by link \(result.link.datagramsDropped)")
        return result
    }

    func testTenMegabytesUniStreamNoLoss() throws {
        let r = try transfer(bytes: 10 << 20, bidirectional: false, link: LinkConfiguration(delay: .milliseconds(10), bandwidth: 12_500_000))
        XCTAssertEqual(r.clientStats.streamBytesRetransmitted, 0)
    }

    func testTenMegabytesBidiStreamFivePercentLossWithReorderingAndDuplication() throws {
        let link = LinkConfiguration(delay: .milliseconds(10), jitter: .milliseconds(4), lossRate: 0.05, duplicationRate: 0.02, bandwidth: 12_500_000)
        let r = try transfer(bytes: 10 << 20, bidirectional: true, link: link)
        XCTAssertGreaterThan(r.clientStats.streamBytesRetransmitted, 0)
    }

    func testTenMegabytesUniStreamThirtyPercentLoss() throws {
        let link = LinkConfiguration(delay: .milliseconds(10), lossRate: 0.30, bandwidth: 12_500_000)
        let r = try transfer(bytes: 10 << 20, bidirectional: false, link: link, timeLimit: 3600)
        XCTAssertGreaterThan(r.clientStats.packetsLost, 0)
    }

    func testTenMegabytesBidiStreamThirtyPercentLoss() throws {
        let link = LinkConfiguration(delay: .milliseconds(5), jitter: .milliseconds(2), lossRate: 0.30, bandwidth: 12_500_000)
        _ = try transfer(bytes: 10 << 20, bidirectional: true, link: link, timeLimit: 3600)
    }

    func testFlowControlCreditLetsLargeTransferThroughSmallWindows() throws {
        var config = ConnectionConfiguration()
        config.initialMaxData = 16 * 1024
        config.initialMaxStreamData = 8 * 1024
        config.maxDataWindowLimit = 64 * 1024
        config.maxStreamDataWindowLimit = 32 * 1024
        let r = try transfer(bytes: 2 << 20, bidirectional: false, link: LinkConfiguration(delay: .milliseconds(5)), configuration: config)
        XCTAssertGreaterThan(r.clientStats.packetsSent, (2 << 20) / 1200)
    }
}

/// Builds 1-RTT packets with a connection's own keys so tests can inject arbitrary frames.
enum ProtectedPacketForge {
    static func oneRTT(from connection: Connection, payload: [UInt8]) -> [UInt8]? {
        guard let keys = connection.writeKeys[EncryptionLevel.oneRTT.rawValue] else { return nil }
        var body = payload
        while body.count < 4 { body.append(0) }
        let pn = connection.spaces[PacketNumberSpace.application.rawValue].nextPacketNumber
        connection.spaces[PacketNumberSpace.application.rawValue].nextPacketNumber += 1
        var header: [UInt8] = [0x40 | (connection.keyPhase ? 0x04 : 0) | 0x03] + connection.peerConnectionID.bytes
        let pnOffset = header.count
        header += [UInt8(pn >> 24 & 0xff), UInt8(pn >> 16 & 0xff), UInt8(pn >> 8 & 0xff), UInt8(pn & 0xff)]
        var packet = header + keys.seal(payload: body[...], packetNumber: pn, header: header[...])
        HeaderProtection.apply(packet: &packet, packetNumberOffset: pnOffset, packetNumberLength: 4, protection: keys)
        return packet
    }
}
