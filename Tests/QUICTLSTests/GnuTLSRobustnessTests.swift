import QUIC
import QUICTLS
import XCTest
import TestSupport

/// Bad input never crashes a session: it fails with a TLSError carrying an alert.
final class GnuTLSRobustnessTests: XCTestCase {
    func testGarbageClientHelloFailsServer() throws {
        let server = try GnuTLSSession(configuration: HandshakePair.serverConfiguration(), localTransportParameters: [1, 2])
        XCTAssertThrowsError(try server.handle(handshakeData: [0x01, 0x00, 0x00, 0x05, 0xde, 0xad, 0xbe, 0xef, 0x00], at: .initial)) { error in
            let tlsError = error as? TLSError
            XCTAssertNotNil(tlsError)
            XCTAssertNotEqual(tlsError?.alert, 0)
        }
        XCTAssertFalse(server.isHandshakeComplete)
    }

    func testGarbageAfterClientHelloFailsClient() throws {
        let client = try GnuTLSSession(configuration: HandshakePair.clientConfiguration(), localTransportParameters: [1, 2])
        try client.start()
        XCTAssertThrowsError(try client.handle(handshakeData: [0x02, 0x00, 0x00, 0x04, 0x03, 0x03, 0x00, 0x00], at: .initial)) {
            XCTAssertNotNil($0 as? TLSError)
        }
    }

    func testUnexpectedMessageTypeFails() throws {
        let server = try GnuTLSSession(configuration: HandshakePair.serverConfiguration(), localTransportParameters: [1, 2])
        // A Finished message where a ClientHello must come.
        XCTAssertThrowsError(try server.handle(handshakeData: [0x14, 0x00, 0x00, 0x20] + [UInt8](repeating: 0, count: 32), at: .initial)) {
            XCTAssertNotNil($0 as? TLSError)
        }
    }

    func testRandomGarbageNeverCrashes() throws {
        var generator = SeededGenerator(seed: 0x5eed)
        var failures = 0
        for round in 0..<200 {
            let server = try GnuTLSSession(configuration: HandshakePair.serverConfiguration(), localTransportParameters: [1, 2])
            let count = Int(generator.next() % 600) + 1
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            // Half the rounds look like a ClientHello header with a plausible length.
            if round % 2 == 0 && count >= 4 {
                bytes[0] = 1
                bytes[1] = 0
                bytes[2] = UInt8((count - 4) >> 8)
                bytes[3] = UInt8(truncatingIfNeeded: count - 4)
            }
            do {
                try server.handle(handshakeData: bytes, at: .initial)
            } catch {
                failures += 1
            }
            XCTAssertFalse(server.isHandshakeComplete)
        }
        // Random length fields often announce more bytes than were given: GnuTLS then waits for them.
        XCTAssertGreaterThan(failures, 50)
    }

    func testMutatedClientHelloNeverCrashes() throws {
        let client = try GnuTLSSession(configuration: HandshakePair.clientConfiguration(), localTransportParameters: [1, 2])
        try client.start()
        guard case .handshakeData(.initial, let clientHello)? = client.pollEvent() else { return XCTFail("no ClientHello") }
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<200 {
            var mutated = clientHello
            for _ in 0..<3 {
                let index = Int(generator.next() % UInt64(mutated.count))
                mutated[index] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
            }
            let server = try GnuTLSSession(configuration: HandshakePair.serverConfiguration(), localTransportParameters: [1, 2])
            _ = try? server.handle(handshakeData: mutated, at: .initial)
            while server.pollEvent() != nil {}
        }
    }

    func testZeroRTTHandshakeDataRejected() throws {
        let server = try GnuTLSSession(configuration: HandshakePair.serverConfiguration(), localTransportParameters: [1])
        XCTAssertThrowsError(try server.handle(handshakeData: [1, 0, 0, 0], at: .zeroRTT))
    }

    func testConfigurationErrors() {
        let noALPN = TLSConfiguration.client(alpnProtocols: [], serverName: "localhost", verifyPeer: false)
        XCTAssertThrowsError(try GnuTLSSession(configuration: noALPN, localTransportParameters: []))
        let noCertificate = TLSConfiguration(isClient: false, alpnProtocols: ["hq-interop"])
        XCTAssertThrowsError(try GnuTLSSession(configuration: noCertificate, localTransportParameters: []))
        let badPEM = TLSConfiguration.server(alpnProtocols: ["x"], certificateChain: .pem("not a certificate"), privateKey: .pem("nor a key"))
        XCTAssertThrowsError(try GnuTLSSession(configuration: badPEM, localTransportParameters: []))
    }
}
