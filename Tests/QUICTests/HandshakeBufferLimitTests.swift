import XCTest
@testable import QUIC

/// In-order CRYPTO data is bounded too: a connection learns each TLS handshake message's size from
/// its 4-byte header and closes with CRYPTO_BUFFER_EXCEEDED (RFC 9000 §7.5) when it is larger than
/// `maxHandshakeMessageSize`, before the TLS stack buffers the body. Without this a client could
/// announce a 16 MiB ClientHello and have every byte of it acknowledged and kept.
final class HandshakeBufferLimitTests: XCTestCase {
    /// A client TLS whose ClientHello announces 16 MiB and sends the first kilobyte of it.
    final class HugeHelloTLS: QUICTLSSession {
        private var events: [TLSEvent] = []
        let peerTransportParameters: [UInt8]? = nil
        let negotiatedALPN: String? = nil
        let isHandshakeComplete = false
        func start() throws(TLSError) {
            events.append(.handshakeData(.initial, [1, 0xff, 0xff, 0xff] + Array(repeating: 0x16, count: 1000)))
        }
        func pollEvent() -> TLSEvent? { events.isEmpty ? nil : events.removeFirst() }
        func handle(handshakeData: [UInt8], at level: EncryptionLevel) throws(TLSError) {}
    }

    private func closeCode(_ events: [ConnectionEvent]) -> TransportErrorCode? {
        for case .connectionClosed(let reason) in events {
            if case .peerTransportError(let e) = reason { return e.code }
        }
        return nil
    }

    func testAClientHelloAnnouncing16MiBIsRefusedFromItsHeader() throws {
        let pair = SimulatedPair(seed: 31, tls: .gnutls)
        let handle = try pair.client.connect(to: pair.serverAddress, tlsFactory: { _ in HugeHelloTLS() }, now: pair.simulator.now)
        let client = try XCTUnwrap(pair.client.connection(handle))
        var events: [ConnectionEvent] = []
        pair.application = { _, _ in while let e = client.pollEvent() { events.append(e) } }
        XCTAssertTrue(pair.run(seconds: 5) { self.closeCode(events) != nil })
        XCTAssertEqual(closeCode(events), .cryptoBufferExceeded)
    }

    func testALegitimateHandshakeLargerThanTheLimitIsRefusedToo() throws {
        var small = ConnectionConfiguration()
        small.maxHandshakeMessageSize = 64  // smaller than the test TLS's ClientHello
        let pair = SimulatedPair(seed: 32, configuration: small, clientConfiguration: ConnectionConfiguration(), tls: .loopback)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { self.closeCode(pair.clientEvents) != nil })
        XCTAssertEqual(closeCode(pair.clientEvents), .cryptoBufferExceeded)
        XCTAssertFalse(pair.isHandshakeDone)
    }

    func testTheDefaultLimitLetsRealHandshakesThrough() throws {
        let pair = SimulatedPair(seed: 33, tls: .gnutls)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
    }

    func testFramingFollowsMessagesSplitAnywhere() {
        // Three messages: 10-byte body, empty body, 300-byte body; fed in every split of 1..7 bytes.
        let stream: [UInt8] = [2, 0, 0, 10] + Array(repeating: 1, count: 10) + [8, 0, 0, 0] + [11, 0, 1, 0x2c] + Array(repeating: 2, count: 300)
        for chunk in 1...7 {
            var framing = HandshakeMessageFraming()
            var i = 0
            while i < stream.count {
                XCTAssertNil(framing.consume(Array(stream[i..<min(i + chunk, stream.count)]), limit: 304), "chunk \(chunk)")
                i += chunk
            }
            XCTAssertEqual(framing, HandshakeMessageFraming(), "chunk \(chunk): between messages at the end")
        }
        var framing = HandshakeMessageFraming()
        XCTAssertEqual(framing.consume(stream, limit: 303), 304, "the 300-byte body (304 with header) exceeds 303")
        var header = HandshakeMessageFraming()
        XCTAssertNil(header.consume([1, 0xff], limit: 1 << 16))
        XCTAssertEqual(header.consume([0xff, 0xff], limit: 1 << 16), 4 + 0xffffff)
    }
}
