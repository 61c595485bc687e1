import NetSim
import Wire
import XCTest
@testable import QUIC

final class CleartextTests: XCTestCase {
    private func configuration(cleartext: Bool) -> ConnectionConfiguration {
        var c = ConnectionConfiguration()
        c.allowCleartext = cleartext
        return c
    }

    /// Runs a small transfer with the client and server configured separately; returns the pair,
    /// the client tap and the bytes written.
    private func run(client: ConnectionConfiguration, server: ConnectionConfiguration, tls: SimulatedPair.TLSKind = .gnutls) throws
        -> (SimulatedPair, TappedEndpoint, [UInt8]) {
        let pair = SimulatedPair(configuration: server, clientConfiguration: client, tls: tls)
        let tap = TappedEndpoint.tapClient(of: pair)
        let scenario = TransferScenario(pair: pair, total: 300_000, bidirectional: false)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 30) { scenario.isComplete || scenario.corrupt })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertEqual(scenario.received, 300_000)
        return (pair, tap, Array(TransferScenario.pattern[100_000..<100_064]))
    }

    func testCleartextOnlyWhenBothEndsOptIn() throws {
        let (pair, tap, marker) = try run(client: configuration(cleartext: true), server: configuration(cleartext: true))
        XCTAssertTrue(try XCTUnwrap(pair.clientConnection).isCleartext)
        XCTAssertTrue(try XCTUnwrap(pair.serverConnection).isCleartext)
        XCTAssertTrue(tap.sent.contains { CleartextPacket.contains($0, marker) }, "payload visible on the wire")

        for (clientOptIn, serverOptIn) in [(true, false), (false, true), (false, false)] {
            let (pair, tap, marker) = try run(client: configuration(cleartext: clientOptIn), server: configuration(cleartext: serverOptIn))
            XCTAssertFalse(try XCTUnwrap(pair.clientConnection).isCleartext, "client \(clientOptIn) server \(serverOptIn)")
            XCTAssertFalse(try XCTUnwrap(pair.serverConnection).isCleartext)
            XCTAssertFalse(tap.sent.contains { CleartextPacket.contains($0, marker) }, "payload must be encrypted on the wire")
            // Read as cleartext, no 1-RTT packet yields the stream data that was sent.
            let oneRTT = tap.sent.compactMap { CleartextPacket.parse($0) }
            XCTAssertGreaterThan(oneRTT.count, 100)
            let readable = oneRTT.filter { packet in
                (packet.frames ?? []).contains { frame in
                    guard case .stream(let f) = frame, f.data.count >= 16, Int(f.offset) + f.data.count <= TransferScenario.pattern.count else { return false }
                    return TransferScenario.matches(f.data, at: Int(f.offset))
                }
            }
            XCTAssertEqual(readable.count, 0)
        }
    }

    func testCleartextDatagramIsPlainFramesWithoutTag() throws {
        let (pair, tap, _) = try run(client: configuration(cleartext: true), server: configuration(cleartext: true))
        let server = try XCTUnwrap(pair.serverConnection)
        var streamBytes = 0
        var packets = 0
        for datagram in tap.sent {
            guard let packet = CleartextPacket.parse(datagram) else { continue }
            packets += 1
            XCTAssertEqual(packet.destinationConnectionID.count, 8)
            XCTAssertTrue(server.activeLocalConnectionIDs.values.contains(packet.destinationConnectionID)
                          || packet.destinationConnectionID == server.originalDestinationConnectionID
                          || packet.destinationConnectionID == server.localConnectionID)
            // Reserved bits are zero in the clear (no header protection mask on them).
            XCTAssertEqual(packet.firstByte & 0x18, 0)
            let frames = try XCTUnwrap(packet.frames, "every 1-RTT payload parses as frames to its last byte (no tag)")
            XCTAssertFalse(frames.isEmpty)
            for case .stream(let f) in frames {
                XCTAssertTrue(TransferScenario.matches(f.data, at: Int(f.offset)), "plaintext stream data at \(f.offset)")
                streamBytes += f.data.count
            }
        }
        XCTAssertGreaterThan(packets, 100)
        XCTAssertGreaterThanOrEqual(streamBytes, 300_000)
    }

    func testNonEmptyCleartextParameterIsTransportParameterError() throws {
        var tp = TransportParameters()
        tp.unknown[TransportParameters.ID.cleartext1RTT] = [1]
        XCTAssertThrowsError(try TransportParameters.decode(tp.encode(), sentBy: .client)) {
            XCTAssertEqual(($0 as? QUICError)?.code, .transportParameterError)
        }
        tp.unknown = [:]
        tp.cleartext1RTT = true
        XCTAssertTrue(try TransportParameters.decode(tp.encode(), sentBy: .client).cleartext1RTT)
        XCTAssertFalse(try TransportParameters.decode(TransportParameters().encode(), sentBy: .client).cleartext1RTT)

        // A client sending it with a value: the server closes with TRANSPORT_PARAMETER_ERROR.
        let pair = SimulatedPair(configuration: configuration(cleartext: true), tls: .loopback)
        var bad = ByteWriter()
        bad.writeVarint(TransportParameters.ID.cleartext1RTT)
        bad.writeVarint(1)
        bad.writeUInt8(0)
        let client = try Connection(clientConfiguration: configuration(cleartext: false), peerAddress: pair.serverAddress,
                                    tlsFactory: { tp in LoopbackTestTLS(role: .client, localTransportParameters: tp + bad.bytes) },
                                    now: pair.simulator.now)
        let datagram = try XCTUnwrap(client.pollTransmit(now: pair.simulator.now))
        pair.server.handle(datagram: datagram, from: pair.clientAddress, now: pair.simulator.now)
        var handle: ConnectionHandle?
        while let e = pair.server.pollEvent() { if case .incomingConnection(let h) = e { handle = h } }
        let server = try XCTUnwrap(pair.server.connection(try XCTUnwrap(handle)))
        XCTAssertEqual(server.closeReasonIfClosed, .localTransportError(QUICError(.transportParameterError)))
    }

    func testKeyUpdateIsHarmlessInCleartext() throws {
        let cleartext = configuration(cleartext: true)
        let pair = SimulatedPair(seed: 3, configuration: cleartext)
        let scenario = TransferScenario(pair: pair, total: 1 << 20, bidirectional: false)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { scenario.received > 200_000 })
        let client = try XCTUnwrap(pair.clientConnection)
        XCTAssertTrue(client.isCleartext)
        XCTAssertTrue(client.initiateKeyUpdate())
        XCTAssertTrue(pair.run(seconds: 5) { scenario.received > 600_000 })
        XCTAssertTrue(client.initiateKeyUpdate())
        XCTAssertTrue(pair.run(seconds: 30) { scenario.isComplete })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertTrue(client.isEstablished)
        XCTAssertTrue(pair.serverConnection?.isEstablished ?? false)
        XCTAssertEqual(pair.serverConnection?.keyUpdateCount, 0, "the peer ignores the key phase bit")
    }
}
