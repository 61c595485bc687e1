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

    func testTenMegabytesBidiStreamNoLoss() throws {
        let r = try transfer(bytes: 10 << 20, bidirectional: true, link: LinkConfiguration(delay: .milliseconds(10), bandwidth: 12_500_000))
        XCTAssertEqual(r.clientStats.streamBytesRetransmitted, 0)
    }

    func testTenMegabytesUniStreamFivePercentLoss() throws {
        let link = LinkConfiguration(delay: .milliseconds(10), lossRate: 0.05, bandwidth: 12_500_000)
        let r = try transfer(bytes: 10 << 20, bidirectional: false, link: link)
        XCTAssertGreaterThan(r.clientStats.streamBytesRetransmitted, 0)
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

final class ConnectionFeatureTests: XCTestCase {
    func testKeyUpdateDuringTransferKeepsDataFlowing() throws {
        let pair = SimulatedPair(seed: 3, clientToServer: LinkConfiguration(delay: .milliseconds(5), jitter: .milliseconds(2)),
                                 serverToClient: LinkConfiguration(delay: .milliseconds(5), jitter: .milliseconds(2)))
        let scenario = TransferScenario(pair: pair, total: 1 << 20, bidirectional: false)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { scenario.received > 200_000 })
        let client = try XCTUnwrap(pair.clientConnection)
        XCTAssertTrue(client.initiateKeyUpdate())
        XCTAssertFalse(client.initiateKeyUpdate(), "a second update must wait for an acknowledgement")
        XCTAssertTrue(pair.run(seconds: 5) { scenario.received > 600_000 })
        XCTAssertTrue(client.initiateKeyUpdate(), "after acknowledgements a new update is allowed")
        XCTAssertTrue(pair.run(seconds: 30) { scenario.isComplete })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertEqual(client.keyUpdateCount, 2)
        XCTAssertEqual(pair.serverConnection?.keyUpdateCount, 2)
        XCTAssertTrue(client.isEstablished)
    }

    func testUnknownVersionGetsVersionNegotiation() throws {
        var config = EndpointConfiguration()
        config.acceptsIncoming = true
        let server = Endpoint(configuration: config, serverTLSFactory: { tp in LoopbackTestTLS(role: .server, localTransportParameters: tp) })
        var datagram: [UInt8] = [0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8] + Array(1...8) + [4, 9, 9, 9, 9]
        datagram += Array(repeating: 0, count: 1200 - datagram.count)
        let from = QUICPeerAddress.ipv4(192, 0, 2, 1, port: 1234)
        server.handle(datagram: datagram, from: from, now: .zero)
        let out = try XCTUnwrap(server.pollTransmit(now: .zero))
        XCTAssertEqual(out.destination, from)
        let header = try PacketHeader.parse(datagram: out.bytes, at: 0, shortHeaderConnectionIDLength: 8)
        XCTAssertEqual(header.type, .versionNegotiation)
        XCTAssertTrue(header.supportedVersions.contains(QUICVersion.v1))
        XCTAssertEqual(header.destinationConnectionID.bytes, [9, 9, 9, 9])
        XCTAssertEqual(header.sourceConnectionID.bytes, Array(1...8))
        // Too small to be a first flight: no answer (no amplification).
        server.handle(datagram: Array(datagram.prefix(100)), from: from, now: .zero)
        XCTAssertNil(server.pollTransmit(now: .zero))
        XCTAssertTrue(server.connectionHandles.isEmpty)
    }

    /// RFC 8999 allows connection IDs of up to 255 bytes in long headers of other versions, and
    /// nothing but the invariant fields can be relied on: every such first flight gets a Version
    /// Negotiation packet that echoes both connection IDs, whatever follows them.
    func testVersionNegotiationForConnectionIDsUpTo255BytesAndAnyPayload() throws {
        var config = EndpointConfiguration()
        config.acceptsIncoming = true
        let server = Endpoint(configuration: config, serverTLSFactory: { tp in LoopbackTestTLS(role: .server, localTransportParameters: tp) })
        let from = QUICPeerAddress.ipv4(192, 0, 2, 1, port: 1234)
        var rng = SystemRandomNumberGenerator()
        for (dcidLength, scidLength) in [(0, 0), (1, 255), (20, 20), (21, 8), (64, 0), (255, 255), (8, 21)] {
            for version: UInt32 in [0xff00_001d, 0x0a0a_0a0a, 0x6b33_43cf, 2] {
                let dcid = (0..<dcidLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let scid = (0..<scidLength).map { _ in UInt8.random(in: 0...255, using: &rng) }
                var datagram: [UInt8] = [0x80 | UInt8.random(in: 0...127, using: &rng),
                                         UInt8(version >> 24), UInt8(version >> 16 & 0xff), UInt8(version >> 8 & 0xff), UInt8(version & 0xff)]
                datagram += [UInt8(dcidLength)] + dcid + [UInt8(scidLength)] + scid
                datagram += (datagram.count..<1200).map { _ in UInt8.random(in: 0...255, using: &rng) }
                server.handle(datagram: datagram, from: from, now: .zero)
                let out = try XCTUnwrap(server.pollTransmit(now: .zero), "dcid \(dcidLength) scid \(scidLength) version \(version)")
                XCTAssertEqual(Array(out.bytes[1...4]), [0, 0, 0, 0], "a Version Negotiation packet")
                XCTAssertEqual(Int(out.bytes[5]), scidLength)
                XCTAssertEqual(Array(out.bytes[6..<6 + scidLength]), scid, "its DCID is the client's SCID")
                XCTAssertEqual(Int(out.bytes[6 + scidLength]), dcidLength)
                XCTAssertEqual(Array(out.bytes[7 + scidLength..<7 + scidLength + dcidLength]), dcid, "its SCID is the client's DCID")
                let versions = out.bytes[(7 + scidLength + dcidLength)...]
                XCTAssertEqual(versions.count % 4, 0)
                XCTAssertEqual(Array(versions.prefix(4)), [0, 0, 0, 1], "version 1 offered")
                XCTAssertNil(server.pollTransmit(now: .zero))
            }
        }
        // Smaller than a first flight (here also cut short inside its connection IDs): no answer.
        var cut: [UInt8] = [0xc0, 0xff, 0, 0, 0x1d, 200] + Array(repeating: 7, count: 200)
        cut += [255] + Array(repeating: 7, count: 100)
        server.handle(datagram: cut, from: from, now: .zero)
        XCTAssertNil(server.pollTransmit(now: .zero))
        XCTAssertTrue(server.connectionHandles.isEmpty)
    }

    func testSmallInitialDatagramIsIgnoredByServer() throws {
        var config = EndpointConfiguration()
        config.acceptsIncoming = true
        let server = Endpoint(configuration: config, serverTLSFactory: { tp in LoopbackTestTLS(role: .server, localTransportParameters: tp) })
        let client = try Connection(clientConfiguration: ConnectionConfiguration(), peerAddress: .ipv4(10, 0, 0, 2, port: 1),
                                    tlsFactory: { tp in LoopbackTestTLS(role: .client, localTransportParameters: tp) }, now: .zero)
        let initial = try XCTUnwrap(client.pollTransmit(now: .zero))
        XCTAssertGreaterThanOrEqual(initial.count, 1200, "client Initial datagrams are padded")
        server.handle(datagram: Array(initial.prefix(1100)), from: .ipv4(10, 0, 0, 1, port: 1), now: .zero)
        XCTAssertTrue(server.connectionHandles.isEmpty)
    }

    func testServerRespectsAntiAmplificationLimit() throws {
        // The client's later flights never arrive: the server may send at most 3x what it received.
        let pair = SimulatedPair(seed: 5)
        try pair.connect()
        pair.simulator.flushOutputs()
        pair.simulator.setLink(from: pair.clientAddress, to: pair.serverAddress, LinkConfiguration(lossRate: 1.0))
        pair.run(seconds: 20) { false }
        let received = pair.simulator.stats(from: pair.clientAddress, to: pair.serverAddress).bytesDelivered
        let sent = pair.simulator.stats(from: pair.serverAddress, to: pair.clientAddress).bytesSent
        XCTAssertGreaterThan(received, 0)
        XCTAssertGreaterThan(sent, 0)
        XCTAssertLessThanOrEqual(sent, 3 * received)
    }

    func testStreamResetAndStopSendingReachThePeer() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        let uni = try client.openStream(bidirectional: false)
        XCTAssertEqual(try client.write(streamID: uni, data: [1, 2, 3]), 3)
        try client.resetStream(streamID: uni, errorCode: 77)
        XCTAssertTrue(pair.run(seconds: 5) { pair.serverEvents.contains(.streamReset(streamID: uni, errorCode: 77)) })
        let bidi = try client.openStream(bidirectional: true)
        XCTAssertEqual(try client.write(streamID: bidi, data: [4]), 1)
        XCTAssertTrue(pair.run(seconds: 5) { pair.serverEvents.contains(.streamOpened(streamID: bidi)) })
        try pair.serverConnection?.stopSending(streamID: bidi, errorCode: 9)
        XCTAssertTrue(pair.run(seconds: 5) { pair.clientEvents.contains(.stopSendingReceived(streamID: bidi, errorCode: 9)) })
        XCTAssertThrowsError(try client.write(streamID: bidi, data: [5])) { XCTAssertEqual($0 as? StreamError, .stopped(errorCode: 9)) }
    }

    func testStreamLimitBlocksThenOpensAfterCredit() throws {
        var config = ConnectionConfiguration()
        config.initialMaxStreamsUni = 2
        let pair = SimulatedPair(configuration: config)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        var opened: [UInt64] = []
        for _ in 0..<2 {
            let id = try client.openStream(bidirectional: false)
            try client.write(streamID: id, data: [1])
            try client.finish(streamID: id)
            opened.append(id)
        }
        XCTAssertThrowsError(try client.openStream(bidirectional: false)) { XCTAssertEqual($0 as? StreamError, .streamLimitReached) }
        pair.application = { pair, _ in
            for id in opened { _ = try? pair.serverConnection?.read(streamID: id) }
        }
        XCTAssertTrue(pair.run(seconds: 5) { pair.clientEvents.contains(.streamsAvailable(bidirectional: false)) })
        XCTAssertNoThrow(try client.openStream(bidirectional: false))
    }
}

final class ConnectionErrorCodeTests: XCTestCase {
    /// Sends one forged 1-RTT packet from the client and returns the server's close code.
    private func serverCloseCode(after frames: [Frame], configuration: ConnectionConfiguration = ConnectionConfiguration()) throws -> TransportErrorCode? {
        let pair = SimulatedPair(configuration: configuration, tls: .loopback)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        let server = try XCTUnwrap(pair.serverConnection)
        for frame in frames {
            let datagram = try XCTUnwrap(ProtectedPacketForge.oneRTT(from: client, payload: frame.encoded))
            server.handle(datagram: datagram, now: pair.simulator.now)
        }
        guard case .localTransportError(let error)? = server.closeReasonIfClosed else { return nil }
        return error.code
    }

    private func stream(_ id: UInt64, _ offset: UInt64, _ count: Int, fin: Bool = false) -> Frame {
        .stream(StreamFrame(streamID: id, offset: offset, data: Array(repeating: 1, count: count), fin: fin))
    }

    func testStreamFlowControlViolation() throws {
        var config = ConnectionConfiguration()
        config.initialMaxStreamData = 1000
        XCTAssertEqual(try serverCloseCode(after: [stream(2, 900, 101)], configuration: config), .flowControlError)
    }

    func testConnectionFlowControlViolation() throws {
        var config = ConnectionConfiguration()
        config.initialMaxData = 1500
        config.initialMaxStreamData = 1000
        XCTAssertEqual(try serverCloseCode(after: [stream(2, 0, 1000), stream(6, 0, 600)], configuration: config), .flowControlError)
    }

    func testFinalSizeChangeIsFinalSizeError() throws {
        XCTAssertEqual(try serverCloseCode(after: [stream(2, 0, 10, fin: true), stream(2, 0, 12, fin: true)]), .finalSizeError)
        XCTAssertEqual(try serverCloseCode(after: [stream(2, 0, 10, fin: true), .resetStream(streamID: 2, errorCode: 0, finalSize: 5)]), .finalSizeError)
        XCTAssertEqual(try serverCloseCode(after: [stream(2, 0, 10), stream(2, 0, 5, fin: true)]), .finalSizeError)
    }

    func testFramesForWrongStreamDirectionAreStreamStateErrors() throws {
        // Server-initiated unidirectional stream 3 was never opened; a client cannot send on it anyway.
        XCTAssertEqual(try serverCloseCode(after: [stream(3, 0, 1)]), .streamStateError)
        // MAX_STREAM_DATA for a client-initiated unidirectional stream: the server only receives on it.
        XCTAssertEqual(try serverCloseCode(after: [.maxStreamData(streamID: 2, maximum: 10)]), .streamStateError)
        // STOP_SENDING on a receive-only stream.
        XCTAssertEqual(try serverCloseCode(after: [.stopSending(streamID: 2, errorCode: 1)]), .streamStateError)
    }

    func testNewTokenFromClientIsProtocolViolation() throws {
        XCTAssertEqual(try serverCloseCode(after: [.newToken([1, 2, 3])]), .protocolViolation)
    }

    func testAckOfUnsentPacketIsProtocolViolation() throws {
        XCTAssertEqual(try serverCloseCode(after: [.ack(AckFrame(ranges: [1_000_000...1_000_000], ackDelay: 0))]), .protocolViolation)
    }

    func testTransportParameterConnectionIDMismatchIsRejected() throws {
        let client = try Connection(clientConfiguration: ConnectionConfiguration(), peerAddress: .ipv4(10, 0, 0, 2, port: 1),
                                    tlsFactory: { tp in LoopbackTestTLS(role: .client, localTransportParameters: tp) }, now: .zero)
        var tp = TransportParameters()
        tp.initialSourceConnectionID = client.peerConnectionID
        tp.originalDestinationConnectionID = QUICConnectionID([1, 2, 3])
        XCTAssertThrowsError(try client.applyPeerTransportParameters(tp.encode())) {
            XCTAssertEqual(($0 as? QUICError)?.code, .transportParameterError)
        }
        tp.originalDestinationConnectionID = client.originalDestinationConnectionID
        tp.retrySourceConnectionID = QUICConnectionID([4])
        XCTAssertThrowsError(try client.applyPeerTransportParameters(tp.encode()), "retry_source_connection_id without a Retry")
        tp.retrySourceConnectionID = nil
        XCTAssertNoThrow(try client.applyPeerTransportParameters(tp.encode()))
    }
}

final class DatagramTests: XCTestCase {
    func testDatagramsFlowWhenBothSidesSupportThem() throws {
        var config = ConnectionConfiguration()
        config.maxDatagramFrameSize = 1500
        let pair = SimulatedPair(configuration: config)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        let maximum = try XCTUnwrap(client.maxDatagramPayloadSize)
        XCTAssertGreaterThan(maximum, 1000)
        XCTAssertThrowsError(try client.sendDatagram(Array(repeating: 0, count: maximum + 1))) {
            XCTAssertEqual($0 as? DatagramError, .tooLarge(maximum: maximum))
        }
        try client.sendDatagram([1, 2, 3])
        try client.sendDatagram(Array(repeating: 7, count: maximum))
        XCTAssertTrue(pair.run(seconds: 5) { pair.serverEvents.filter { if case .datagramReceived = $0 { return true }; return false }.count == 2 })
        XCTAssertTrue(pair.serverEvents.contains(.datagramReceived([1, 2, 3])))
        XCTAssertTrue(pair.serverEvents.contains(.datagramReceived(Array(repeating: 7, count: maximum))))
    }

    func testDatagramWithoutPeerSupportIsRefused() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        XCTAssertThrowsError(try pair.clientConnection?.sendDatagram([1])) { XCTAssertEqual($0 as? DatagramError, .notSupportedByPeer) }
    }
}

final class StreamPriorityTests: XCTestCase {
    func testUrgentStreamOvertakesBulkStreamOnABottleneck() throws {
        let link = LinkConfiguration(delay: .milliseconds(5), bandwidth: 1_000_000)
        let pair = SimulatedPair(clientToServer: link, serverToClient: link)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        let bulk = try client.openStream(bidirectional: false)
        let urgent = try client.openStream(bidirectional: false)
        try client.setPriority(streamID: urgent, 0)
        try client.setPriority(streamID: bulk, 200)
        // Round robin would finish the small bulk stream first; priority must starve it instead.
        XCTAssertEqual(try client.write(streamID: bulk, data: Array(repeating: 1, count: 20_000)), 20_000)
        try client.finish(streamID: bulk)
        XCTAssertEqual(try client.write(streamID: urgent, data: Array(repeating: 2, count: 200_000)), 200_000)
        try client.finish(streamID: urgent)
        var finishedOrder: [UInt64] = []
        pair.application = { pair, _ in
            for id in [bulk, urgent] {
                if let r = try? pair.serverConnection?.read(streamID: id), r.isFinished, !finishedOrder.contains(id) { finishedOrder.append(id) }
            }
        }
        XCTAssertTrue(pair.run(seconds: 10) { finishedOrder.count == 2 })
        XCTAssertEqual(finishedOrder, [urgent, bulk])
    }
}

final class MigrationTests: XCTestCase {
    func testServerFollowsClientAddressChangeMidTransfer() throws {
        let pair = SimulatedPair(seed: 11)
        let scenario = TransferScenario(pair: pair, total: 2 << 20, bidirectional: true)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { scenario.received > 300_000 })
        let newAddress = QUICPeerAddress.ipv4(10, 0, 0, 1, port: 6001)
        pair.simulator.move(from: pair.clientAddress, to: newAddress)
        XCTAssertTrue(pair.run(seconds: 60) { scenario.isComplete })
        XCTAssertFalse(scenario.corrupt)
        let server = try XCTUnwrap(pair.serverConnection)
        XCTAssertEqual(server.peerAddress, newAddress)
        XCTAssertEqual(server.migrations, 1)
        XCTAssertEqual(server.pathValidations, 1, "PATH_CHALLENGE answered on the new path")
    }
}

final class StatelessResetTests: XCTestCase {
    func testRestartedServerResetsForgottenConnection() throws {
        let pair = SimulatedPair(seed: 13)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        // The server restarts with the same key and no connections.
        var config = pair.server.configuration
        config.connection.randomSeed = 999
        let restarted = Endpoint(configuration: config, serverTLSFactory: pair.server.serverTLSFactory)
        pair.simulator.add(restarted, at: pair.serverAddress)
        let client = try XCTUnwrap(pair.clientConnection)
        let id = try client.openStream(bidirectional: false)
        try client.write(streamID: id, data: Array(repeating: 1, count: 100))
        XCTAssertTrue(pair.run(seconds: 5) { pair.clientEvents.contains(.connectionClosed(.statelessReset)) })
    }

    func testServerAdvertisesDerivedResetToken() throws {
        let pair = SimulatedPair(seed: 14)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let server = try XCTUnwrap(pair.serverConnection)
        XCTAssertEqual(pair.clientConnection?.peerTransportParameters?.statelessResetToken,
                       pair.server.statelessResetToken(for: server.localConnectionID))
    }
}

final class ConnectionIDTests: XCTestCase {
    func testPeersIssueConnectionIDsAndRotationKeepsTheConnectionWorking() throws {
        let pair = SimulatedPair(seed: 21)
        let scenario = TransferScenario(pair: pair, total: 1 << 20, bidirectional: false)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { scenario.received > 100_000 })
        let client = try XCTUnwrap(pair.clientConnection)
        let server = try XCTUnwrap(pair.serverConnection)
        XCTAssertEqual(client.peerConnectionIDs.count, 3, "server issued up to our active_connection_id_limit of 4")
        XCTAssertEqual(server.peerConnectionIDs.count, 3)
        let before = client.peerConnectionID
        XCTAssertTrue(client.rotatePeerConnectionID())
        XCTAssertNotEqual(client.peerConnectionID, before)
        XCTAssertTrue(pair.run(seconds: 30) { scenario.isComplete })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertNil(server.activeLocalConnectionIDs[0], "the retired handshake connection ID is gone")
        XCTAssertEqual(server.activeLocalConnectionIDs.count, 4, "a replacement was issued")
        XCTAssertTrue(client.isEstablished && server.isEstablished)
    }
}

final class ReorderedHandshakeTests: XCTestCase {
    func testHandshakeSurvivesHeavyReorderingAndDuplication() throws {
        for seed: UInt64 in 30..<36 {
            let link = LinkConfiguration(delay: .milliseconds(5), jitter: .milliseconds(30), duplicationRate: 0.2)
            let pair = SimulatedPair(seed: seed, clientToServer: link, serverToClient: link)
            let scenario = TransferScenario(pair: pair, total: 200_000, bidirectional: true)
            try pair.connect()
            XCTAssertTrue(pair.run(seconds: 30) { scenario.isComplete }, "seed \(seed)")
            XCTAssertFalse(scenario.corrupt)
        }
    }
}
