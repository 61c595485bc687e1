import QUIC
import QUICTLS
import XCTest

/// What our ClientHello offers: peers that cannot do HelloRetryRequest (aioquic) need an X25519 share.
final class ClientHelloTests: XCTestCase {
    private func clientHello(_ configuration: TLSConfiguration, parameters: [UInt8] = HandshakePair.clientParameters) throws -> ClientHelloInspector {
        let client = try GnuTLSSession(configuration: configuration, localTransportParameters: parameters)
        try client.start()
        guard case .handshakeData(.initial, let bytes)? = client.pollEvent() else {
            throw TLSError(alert: 80, reason: "no ClientHello")
        }
        XCTAssertNil(client.pollEvent(), "the ClientHello is the only output of start()")
        return try XCTUnwrap(ClientHelloInspector(bytes))
    }

    func testClientHelloContents() throws {
        let hello = try clientHello(.client(alpnProtocols: ["moqt-18", "hq-interop"], serverName: "relay.example", verifyPeer: false))
        XCTAssertTrue(hello.keyShareGroups.contains(0x001d), "X25519 share: \(hello.keyShareGroups)")
        XCTAssertTrue(hello.keyShareGroups.contains(0x0017), "P-256 share: \(hello.keyShareGroups)")
        XCTAssertEqual(hello.legacySessionID, [], "no middlebox compatibility mode in QUIC")
        XCTAssertEqual(Set(hello.cipherSuites), [0x1301, 0x1302, 0x1303])
        XCTAssertEqual(hello.extensions[0x39], HandshakePair.clientParameters)
        XCTAssertEqual(hello.alpnProtocols, ["moqt-18", "hq-interop"])
        XCTAssertEqual(hello.serverName, "relay.example")
        XCTAssertEqual(hello.extensions[43], [0x02, 0x03, 0x04], "TLS 1.3 only")
        XCTAssertNil(hello.extensions[42], "no early_data")
    }

    func testCipherSuiteRestrictionInClientHello() throws {
        let hello = try clientHello(.client(alpnProtocols: ["hq-interop"], serverName: "localhost", verifyPeer: false,
                                            cipherSuites: [.chacha20Poly1305SHA256]))
        XCTAssertEqual(hello.cipherSuites, [0x1303])
    }

    func testNoSNIForIPLiterals() throws {
        XCTAssertNil(try clientHello(.client(alpnProtocols: ["hq-interop"], serverName: "127.0.0.1", verifyPeer: false)).serverName)
        XCTAssertNil(try clientHello(.client(alpnProtocols: ["hq-interop"], serverName: "::1", verifyPeer: false)).serverName)
        XCTAssertNil(try clientHello(.client(alpnProtocols: ["hq-interop"], serverName: nil, verifyPeer: false)).serverName)
    }

    func testLargeTransportParameters() throws {
        let parameters = (0..<600).map { UInt8(truncatingIfNeeded: $0) }
        let hello = try clientHello(.client(alpnProtocols: ["hq-interop"], serverName: "localhost", verifyPeer: false), parameters: parameters)
        XCTAssertEqual(hello.extensions[0x39], parameters)
    }

    func testEmptyTransportParametersAreSentAsEmptyExtension() throws {
        let hello = try clientHello(.client(alpnProtocols: ["hq-interop"], serverName: "localhost", verifyPeer: false), parameters: [])
        XCTAssertEqual(hello.extensions[0x39], [])
    }

    private func serverResult(forClientHelloWithout extensionType: UInt16) throws -> TLSError? {
        let client = try GnuTLSSession(configuration: HandshakePair.clientConfiguration(), localTransportParameters: HandshakePair.clientParameters)
        try client.start()
        guard case .handshakeData(.initial, let bytes)? = client.pollEvent() else { throw TLSError(alert: 80, reason: "no ClientHello") }
        let stripped = try XCTUnwrap(ClientHelloInspector.removing(extension: extensionType, from: bytes))
        let strippedHello = try XCTUnwrap(ClientHelloInspector(stripped))
        XCTAssertNil(strippedHello.extensions[extensionType])
        let original = try XCTUnwrap(ClientHelloInspector(bytes))
        XCTAssertEqual(strippedHello.extensions.count, original.extensions.count - (original.extensions[extensionType] == nil ? 0 : 1))
        let server = try GnuTLSSession(configuration: HandshakePair.serverConfiguration(), localTransportParameters: HandshakePair.serverParameters)
        do {
            try server.handle(handshakeData: stripped, at: .initial)
            return nil
        } catch {
            return error
        }
    }

    func testServerRequiresTransportParameters() throws {
        XCTAssertEqual(try serverResult(forClientHelloWithout: 0x39)?.alert, 109, "missing_extension (RFC 9001 §8.2)")
    }

    func testServerRequiresALPN() throws {
        XCTAssertEqual(try serverResult(forClientHelloWithout: 16)?.alert, 120, "no_application_protocol (RFC 9001 §8.1)")
    }

    func testUnmodifiedClientHelloIsAccepted() throws {
        // The rewrite helper itself keeps a ClientHello valid (removing an unknown extension type).
        XCTAssertNil(try serverResult(forClientHelloWithout: 0xfafa))
    }
}
