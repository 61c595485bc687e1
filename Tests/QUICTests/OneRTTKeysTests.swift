import NetSim
import QUICTLS
import XCTest
@testable import QUIC

/// `Connection.oneRTTKeys` (what the kernel fast path installs in its key maps) and a server that prefers
/// TLS_CHACHA20_POLY1305_SHA256: our client and server over the network simulator with GnuTLS.
final class OneRTTKeysTests: XCTestCase {
    /// A client with the default TLS configuration (AES-128-GCM offered first) and a server whose TLS
    /// configuration is `serverTLS`.
    final class Pair {
        let simulator = NetworkSimulator(seed: 11)
        let clientAddress = QUICPeerAddress.ipv4(10, 0, 0, 1, port: 5000)
        let serverAddress = QUICPeerAddress.ipv4(10, 0, 0, 2, port: 4433)
        let client: Endpoint
        let server: Endpoint
        var clientConnection: Connection?
        var serverConnection: Connection?

        init(serverTLS: TLSConfiguration, clientSuites: [CipherSuite]? = nil) throws {
            var clientConfig = EndpointConfiguration()
            clientConfig.connection.randomSeed = 101
            client = Endpoint(configuration: clientConfig)
            var serverConfig = EndpointConfiguration()
            serverConfig.connection.randomSeed = 102
            serverConfig.acceptsIncoming = true
            server = Endpoint(configuration: serverConfig, serverTLSFactory: { tp in
                try GnuTLSSession(configuration: serverTLS, localTransportParameters: tp)
            })
            simulator.add(client, at: clientAddress)
            simulator.add(server, at: serverAddress)
            simulator.setLink(from: clientAddress, to: serverAddress, LinkConfiguration(delay: .milliseconds(2)))
            simulator.setLink(from: serverAddress, to: clientAddress, LinkConfiguration(delay: .milliseconds(2)))
            simulator.onStep = { [unowned self] _ in
                while let event = self.server.pollEvent() {
                    if case .incomingConnection(let handle) = event, self.serverConnection == nil {
                        self.serverConnection = self.server.connection(handle)
                    }
                }
                while self.client.pollEvent() != nil {}
                if let c = self.clientConnection { while c.pollEvent() != nil {} }
                if let s = self.serverConnection { while s.pollEvent() != nil {} }
            }
            let clientTLS = TLSConfiguration.client(alpnProtocols: ["test"], serverName: "localhost", verifyPeer: false,
                                                    cipherSuites: clientSuites)
            let handle = try client.connect(to: serverAddress, tlsFactory: { tp in
                try GnuTLSSession(configuration: clientTLS, localTransportParameters: tp)
            }, now: simulator.now)
            clientConnection = client.connection(handle)
        }

        @discardableResult
        func run(seconds: Double, until condition: () -> Bool) -> Bool {
            simulator.run(timeLimit: .seconds(seconds), until: condition)
        }

        var confirmed: Bool {
            (clientConnection?.handshakeConfirmed ?? false) && (serverConnection?.handshakeConfirmed ?? false)
        }
    }

    static let certificate: (certificatePEM: String, privateKeyPEM: String) = {
        do { return try SelfSignedCertificate.generate(commonName: "localhost") } catch { fatalError("certificate: \(error)") }
    }()

    static func serverTLS(preferChaCha20: Bool) -> TLSConfiguration {
        let base = TLSConfiguration.server(alpnProtocols: ["test"], certificateChain: .pem(certificate.certificatePEM),
                                           privateKey: .pem(certificate.privateKeyPEM))
        return preferChaCha20 ? base.preferringChaCha20Poly1305() : base
    }

    func testServerPreferringChaCha20NegotiatesItWithAnAESFirstClient() throws {
        let pair = try Pair(serverTLS: Self.serverTLS(preferChaCha20: true))
        XCTAssertTrue(pair.run(seconds: 5) { pair.confirmed })
        XCTAssertEqual(pair.clientConnection?.negotiatedCipherSuite, .chacha20Poly1305SHA256)
        XCTAssertEqual(pair.serverConnection?.negotiatedCipherSuite, .chacha20Poly1305SHA256)
    }

    func testWithoutThePreferenceTheClientsOrderWins() throws {
        let pair = try Pair(serverTLS: Self.serverTLS(preferChaCha20: false))
        XCTAssertTrue(pair.run(seconds: 5) { pair.confirmed })
        XCTAssertEqual(pair.serverConnection?.negotiatedCipherSuite, .aes128GCMSHA256)
    }

    func testAClientWithoutChaCha20StillConnectsWithAES() throws {
        let pair = try Pair(serverTLS: Self.serverTLS(preferChaCha20: true), clientSuites: [.aes256GCMSHA384, .aes128GCMSHA256])
        XCTAssertTrue(pair.run(seconds: 5) { pair.confirmed })
        XCTAssertEqual(pair.serverConnection?.negotiatedCipherSuite, .aes128GCMSHA256, "server order among the common suites")
        XCTAssertEqual(pair.clientConnection?.negotiatedCipherSuite, .aes128GCMSHA256)
    }

    /// Each side's write keys are the other's read keys, in the current and in the next phase; after a
    /// key update the next phase becomes current on both sides and the header-protection key stays.
    func testOneRTTKeysMatchAcrossSidesAndFollowAKeyUpdate() throws {
        let pair = try Pair(serverTLS: Self.serverTLS(preferChaCha20: true))
        XCTAssertTrue(pair.run(seconds: 5) { pair.confirmed })
        let client = try XCTUnwrap(pair.clientConnection)
        let server = try XCTUnwrap(pair.serverConnection)
        let c = try XCTUnwrap(client.oneRTTKeys)
        let s = try XCTUnwrap(server.oneRTTKeys)
        XCTAssertEqual(c.suite, .chacha20Poly1305SHA256)
        XCTAssertFalse(c.keyPhase)
        XCTAssertTrue(c.handshakeConfirmed)
        XCTAssertEqual(c.write.key.count, 32)
        XCTAssertEqual(c.write.iv.count, 12)
        XCTAssertEqual(c.write.headerProtectionKey.count, 32)
        XCTAssertEqual(c.write, s.read)
        XCTAssertEqual(s.write, c.read)
        XCTAssertEqual(c.nextWrite, s.nextRead)
        XCTAssertEqual(s.nextWrite, c.nextRead)
        XCTAssertNotEqual(c.write.key, c.read.key)
        XCTAssertNotEqual(c.nextWrite.key, c.write.key)
        XCTAssertEqual(c.nextWrite.headerProtectionKey, c.write.headerProtectionKey, "RFC 9001 §6.1: hp keys do not change")
        XCTAssertTrue(c.nextWrite.keyPhase)
        // The material protects packets: what the client's write keys seal, the server's read keys open.
        let sealing = PacketProtection(suite: c.suite, secret: c.write.secret)
        let opening = PacketProtection(suite: s.suite, secret: s.read.secret)
        let sealed = sealing.seal(payload: [1, 2, 3][...], packetNumber: 9, header: [0x43][...])
        XCTAssertEqual(try opening.open(ciphertext: sealed[...], packetNumber: 9, header: [0x43][...]), [1, 2, 3])

        XCTAssertTrue(client.initiateKeyUpdate())
        // Some stream data, so the server sees a packet of the new phase.
        let stream = try client.openStream(bidirectional: false)
        XCTAssertEqual(try client.write(streamID: stream, data: [UInt8](repeating: 7, count: 100)), 100)
        XCTAssertTrue(pair.run(seconds: 5) { server.keyUpdateCount == 1 })
        let c2 = try XCTUnwrap(client.oneRTTKeys)
        let s2 = try XCTUnwrap(server.oneRTTKeys)
        XCTAssertTrue(c2.keyPhase)
        XCTAssertTrue(s2.keyPhase)
        XCTAssertEqual(c2.keyUpdates, 1)
        XCTAssertEqual(c2.write, c.nextWrite)
        XCTAssertEqual(s2.read, s.nextRead)
        XCTAssertEqual(s2.write, s.nextWrite)
        XCTAssertEqual(c2.write, s2.read)
    }

    func testNoKeysBeforeTheHandshake() throws {
        let pair = try Pair(serverTLS: Self.serverTLS(preferChaCha20: true))
        XCTAssertNil(pair.clientConnection?.oneRTTKeys)
    }
}
