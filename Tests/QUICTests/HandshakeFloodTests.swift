import XCTest
@testable import QUIC

/// What an Initial flood can make a server hold: undecryptable Initials (anyone can send them
/// from spoofed addresses) create no connection at all, and once `retryAboveHalfOpen` handshakes
/// are half open, new clients are sent a Retry instead of getting state, then complete normally.
final class HandshakeFloodTests: XCTestCase {
    func server(retryAbove: Int?) -> Endpoint {
        var config = EndpointConfiguration()
        config.acceptsIncoming = true
        config.retryAboveHalfOpen = retryAbove
        config.tokenKey = Array(repeating: 3, count: 32)
        return Endpoint(configuration: config, serverTLSFactory: { tp in LoopbackTestTLS(role: .server, localTransportParameters: tp) })
    }

    func clientInitial(port: UInt16) throws -> (Connection, [UInt8]) {
        let client = try Connection(clientConfiguration: ConnectionConfiguration(), peerAddress: .ipv4(10, 0, 0, 2, port: 4433),
                                    tlsFactory: { tp in LoopbackTestTLS(role: .client, localTransportParameters: tp) }, now: .zero)
        return (client, try XCTUnwrap(client.pollTransmit(now: .zero)))
    }

    func testUndecryptableInitialsLeaveNoState() throws {
        let server = server(retryAbove: nil)
        var rng = SystemRandomNumberGenerator()
        for i in 0..<500 {
            // A well-formed v1 Initial header, 8..20-byte DCID, then bytes no key opens.
            let dcid = (0..<(8 + i % 13)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var d: [UInt8] = [0xc3, 0, 0, 0, 1, UInt8(dcid.count)] + dcid + [0, 0]  // no SCID, no token
            d += [0x44, 0xb0]  // length 1200
            d += (0..<1200).map { _ in UInt8.random(in: 0...255, using: &rng) }
            server.handle(datagram: d, from: .ipv4(198, 51, 100, UInt8(i % 250), port: UInt16(1000 + i)), now: .zero)
        }
        XCTAssertTrue(server.connectionHandles.isEmpty, "\(server.connectionHandles.count) connections from undecryptable Initials")
        XCTAssertNil(server.pollEvent())
        XCTAssertEqual(server.routingEntryCount, 0)
        XCTAssertNil(server.pollTransmit(now: .zero), "nothing is answered")
        // A real client is still accepted.
        let (_, initial) = try clientInitial(port: 1)
        server.handle(datagram: initial, from: .ipv4(10, 0, 0, 1, port: 1), now: .zero)
        XCTAssertEqual(server.connectionHandles.count, 1)
    }

    func testRetryOnlyWhileManyHandshakesAreHalfOpen() throws {
        let server = server(retryAbove: 5)
        for port in UInt16(1)...5 {
            let (_, initial) = try clientInitial(port: port)
            server.handle(datagram: initial, from: .ipv4(10, 0, 0, 1, port: port), now: .zero)
        }
        XCTAssertEqual(server.halfOpenConnectionCount, 5)
        while server.pollTransmit(now: .zero) != nil {}
        // The sixth gets a Retry, and no state.
        let (client, initial) = try clientInitial(port: 6)
        let from = QUICPeerAddress.ipv4(10, 0, 0, 1, port: 6)
        server.handle(datagram: initial, from: from, now: .zero)
        XCTAssertEqual(server.connectionHandles.count, 5)
        let retry = try XCTUnwrap(server.pollTransmit(now: .zero))
        let header = try PacketHeader.parse(datagram: retry.bytes, at: 0, shortHeaderConnectionIDLength: 8)
        XCTAssertEqual(header.type, .retry)
        // Its second Initial, carrying the token, creates the connection (validated address).
        client.handle(datagram: retry.bytes, from: .ipv4(10, 0, 0, 2, port: 4433), now: .zero)
        let second = try XCTUnwrap(client.pollTransmit(now: .zero))
        server.handle(datagram: second, from: from, now: .zero)
        XCTAssertEqual(server.connectionHandles.count, 6)
        XCTAssertEqual(server.halfOpenConnectionCount, 6)
    }

    func testHandshakesCompleteThroughRetryUnderLoad() throws {
        // A limit of 0 means every handshake is "under load": all go through Retry and complete.
        let pair = SimulatedPair(seed: 41, retryAboveHalfOpen: 0, tls: .gnutls)
        let calm = SimulatedPair(seed: 42, tls: .gnutls)
        try calm.connect()
        XCTAssertTrue(calm.run(seconds: 5) { calm.isHandshakeDone })
        XCTAssertFalse(calm.clientConnection?.retried ?? true, "no Retry without load")
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        XCTAssertTrue(pair.clientConnection?.retried ?? false, "the handshake went through Retry")
        XCTAssertEqual(pair.server.halfOpenConnectionCount, 0, "a completed handshake is no longer half open")
    }

    func testConnectionsPerAddressAreCappedWithConnectionRefused() throws {
        var config = EndpointConfiguration()
        config.acceptsIncoming = true
        config.maxConnectionsPerAddress = 2
        let server = Endpoint(configuration: config, serverTLSFactory: { tp in LoopbackTestTLS(role: .server, localTransportParameters: tp) })
        for port in UInt16(1)...2 {
            let (_, initial) = try clientInitial(port: port)
            server.handle(datagram: initial, from: .ipv4(10, 0, 0, 1, port: port), now: .zero)
        }
        while server.pollTransmit(now: .zero) != nil {}
        XCTAssertEqual(server.connectionHandles.count, 2)
        // A third from the same address: refused, no state.
        let (client, initial) = try clientInitial(port: 3)
        server.handle(datagram: initial, from: .ipv4(10, 0, 0, 1, port: 3), now: .zero)
        XCTAssertEqual(server.connectionHandles.count, 2)
        let answer = try XCTUnwrap(server.pollTransmit(now: .zero))
        XCTAssertEqual(answer.destination, .ipv4(10, 0, 0, 1, port: 3))
        client.handle(datagram: answer.bytes, from: .ipv4(10, 0, 0, 2, port: 4433), now: .zero)
        var closed: ConnectionCloseReason?
        while let e = client.pollEvent() { if case .connectionClosed(let r) = e { closed = r } }
        guard case .peerTransportError(let e)? = closed else { return XCTFail("client saw \(String(describing: closed))") }
        XCTAssertEqual(e.code, .connectionRefused)
        // Another address is still welcome.
        let (_, other) = try clientInitial(port: 4)
        server.handle(datagram: other, from: .ipv4(10, 0, 0, 9, port: 4), now: .zero)
        XCTAssertEqual(server.connectionHandles.count, 3)
    }

    func testStartsNewConnectionRecognisesOnlyUnroutedInitials() throws {
        // What a driver queues for admission: a client's first Initial, not the same connection's
        // next datagrams once it exists, not short headers or other long-header types.
        let server = server(retryAbove: nil)
        let (client, initial) = try clientInitial(port: 7)
        XCTAssertTrue(server.startsNewConnection(initial))
        let from = QUICPeerAddress.ipv4(10, 0, 0, 1, port: 7)
        server.handle(datagram: initial, from: from, now: .zero)
        XCTAssertEqual(server.connectionHandles.count, 1)
        XCTAssertFalse(server.startsNewConnection(initial), "a retransmitted Initial goes to its connection")
        var handshake = initial
        handshake[0] = (handshake[0] & 0xcf) | 0x20  // long header, type Handshake
        XCTAssertFalse(server.startsNewConnection(handshake))
        XCTAssertFalse(server.startsNewConnection([0x43] + Array(repeating: 0, count: 1300)), "short header")
        XCTAssertFalse(server.startsNewConnection(Array(initial.prefix(1000))), "shorter than a client Initial must be")
        var otherVersion = initial
        otherVersion[4] = 2
        XCTAssertFalse(server.startsNewConnection(otherVersion), "other versions are answered, not admitted")
        _ = client
    }
}
