import QUIC
import QUICTLS
import XCTest

/// Handshake messages after completion, at the 1-RTT level (RFC 9001 §4.1.3, §6).
final class PostHandshakeTests: XCTestCase {
    private func completedPair() throws -> HandshakePair {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(), server: HandshakePair.serverConfiguration())
        pair.run()
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertTrue(pair.server.isHandshakeComplete)
        return pair
    }

    /// A NewSessionTicket as servers like picoquic send after the handshake.
    private var newSessionTicket: [UInt8] {
        let ticket = [UInt8](repeating: 0xab, count: 32)
        var body: [UInt8] = [0, 0, 0x1c, 0x20]            // ticket_lifetime 7200 s
        body += [0x12, 0x34, 0x56, 0x78]                  // ticket_age_add
        body += [4, 1, 2, 3, 4]                           // ticket_nonce
        body += [0, UInt8(ticket.count)] + ticket         // ticket
        body += [0, 0]                                    // extensions
        return [4, 0, 0, UInt8(body.count)] + body
    }

    func testServerSendsNothingAfterHandshake() throws {
        let pair = try completedPair()
        XCTAssertNil(pair.server.pollEvent())
        XCTAssertNil(pair.client.pollEvent())
    }

    func testClientAcceptsNewSessionTicket() throws {
        let pair = try completedPair()
        XCTAssertNoThrow(try pair.client.handle(handshakeData: newSessionTicket, at: .oneRTT))
        // Split delivery too.
        let ticket = newSessionTicket
        XCTAssertNoThrow(try pair.client.handle(handshakeData: Array(ticket[..<10]), at: .oneRTT))
        XCTAssertNoThrow(try pair.client.handle(handshakeData: Array(ticket[10...]), at: .oneRTT))
        while let event = pair.client.pollEvent() {
            if case .handshakeData = event { XCTFail("the client answered a ticket: \(event)") }
        }
    }

    func testKeyUpdateMessageIsRejected() throws {
        let pair = try completedPair()
        // QUIC forbids the TLS KeyUpdate message: unexpected_message (RFC 9001 §6).
        XCTAssertThrowsError(try pair.client.handle(handshakeData: [24, 0, 0, 1, 0], at: .oneRTT)) {
            XCTAssertEqual(($0 as? TLSError)?.alert, 10)
        }
        XCTAssertThrowsError(try pair.server.handle(handshakeData: [24, 0, 0, 1, 1], at: .oneRTT)) {
            XCTAssertEqual(($0 as? TLSError)?.alert, 10)
        }
    }
}
