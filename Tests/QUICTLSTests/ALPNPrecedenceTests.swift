import QUIC
import QUICTLS
import XCTest

/// A server offering several ALPNs (moq-relay: moqt-18 and h3) picks by its own order.
final class ALPNPrecedenceTests: XCTestCase {
    func testServerOrderWins() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(alpn: ["h3", "moqt-18"]),
                                     server: HandshakePair.serverConfiguration(alpn: ["moqt-18", "h3"]))
        pair.run()
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertEqual(pair.server.negotiatedALPN, "moqt-18")
        XCTAssertEqual(pair.client.negotiatedALPN, "moqt-18")
    }

    func testOnlyCommonProtocolIsChosen() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(alpn: ["h3"]),
                                     server: HandshakePair.serverConfiguration(alpn: ["moqt-18", "h3"]))
        pair.run()
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertEqual(pair.server.negotiatedALPN, "h3")
    }
}
