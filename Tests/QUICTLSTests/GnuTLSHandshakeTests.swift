import Foundation
import QUIC
import QUICTLS
import XCTest

final class GnuTLSHandshakeTests: XCTestCase {
    func testCertificateGenerated() throws {
        if let dump = ProcessInfo.processInfo.environment["QUICTLS_DUMP_CERT"] {
            try HandshakePair.certificate.certificatePEM.write(toFile: dump, atomically: true, encoding: .utf8)
        }
        XCTAssertTrue(HandshakePair.certificate.certificatePEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        XCTAssertTrue(HandshakePair.certificate.privateKeyPEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
    }

    /// Keys are strict RFC 5915/5958 DER with a 32-byte scalar whatever its value (GnuTLS's own export
    /// adds a sign byte that aioquic's parser rejects), and each one loads back into a working server.
    func testGeneratedKeysAreStrictPKCS8() throws {
        for _ in 0..<20 {
            let generated = try SelfSignedCertificate.generate(commonName: "test")
            let body = generated.privateKeyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
            let der = try XCTUnwrap(Data(base64Encoded: body)).map { $0 }
            XCTAssertEqual(der.count, 150)
            XCTAssertEqual(Array(der[0..<3]), [0x30, 0x81, 0x93])
            XCTAssertEqual(Array(der[27..<36]), [0x04, 0x79, 0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20])
            let server = TLSConfiguration.server(alpnProtocols: ["hq-interop"], certificateChain: .pem(generated.certificatePEM),
                                                 privateKey: .pem(generated.privateKeyPEM))
            let pair = try HandshakePair(client: HandshakePair.clientConfiguration(), server: server)
            pair.run()
            XCTAssertTrue(pair.client.isHandshakeComplete)
        }
    }

    func testHandshakeCompletesInMemory() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(), server: HandshakePair.serverConfiguration())
        pair.run()
        XCTAssertNil(pair.clientError)
        XCTAssertNil(pair.serverError)
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertTrue(pair.server.isHandshakeComplete)
        XCTAssertEqual(pair.clientEvents.filter { $0 == .handshakeComplete }.count, 1)
        XCTAssertEqual(pair.serverEvents.filter { $0 == .handshakeComplete }.count, 1)

        // Transport parameters, byte-exact, both ways; ALPN.
        XCTAssertEqual(pair.server.peerTransportParameters, HandshakePair.clientParameters)
        XCTAssertEqual(pair.client.peerTransportParameters, HandshakePair.serverParameters)
        XCTAssertEqual(pair.client.negotiatedALPN, "hq-interop")
        XCTAssertEqual(pair.server.negotiatedALPN, "hq-interop")

        // Each side's write secret equals the other's read secret, same suite, for Handshake and 1-RTT.
        for level in [EncryptionLevel.handshake, .oneRTT] {
            let clientWrite = try XCTUnwrap(HandshakePair.secret(in: pair.clientEvents, level: level, direction: .write))
            let clientRead = try XCTUnwrap(HandshakePair.secret(in: pair.clientEvents, level: level, direction: .read))
            let serverWrite = try XCTUnwrap(HandshakePair.secret(in: pair.serverEvents, level: level, direction: .write))
            let serverRead = try XCTUnwrap(HandshakePair.secret(in: pair.serverEvents, level: level, direction: .read))
            XCTAssertEqual(clientWrite.1, serverRead.1, "\(level)")
            XCTAssertEqual(serverWrite.1, clientRead.1, "\(level)")
            XCTAssertNotEqual(clientWrite.1, serverWrite.1)
            XCTAssertEqual(clientWrite.0, serverRead.0)
            XCTAssertEqual(clientWrite.0, pair.client.negotiatedCipherSuite)
            XCTAssertEqual(clientWrite.1.count, clientWrite.0.hashLength)
        }
        XCTAssertEqual(pair.client.negotiatedCipherSuite, pair.server.negotiatedCipherSuite)

        // No 0-RTT, no Initial secrets (those come from the connection ID), no ChangeCipherSpec bytes.
        for event in pair.clientEvents + pair.serverEvents {
            if case .secret(let level, _, _, _) = event { XCTAssertTrue(level == .handshake || level == .oneRTT) }
            if case .handshakeData(let level, _) = event {
                XCTAssertNotEqual(level, .zeroRTT)
            }
        }
        // The client's first output is its ClientHello at Initial; the server's first data is its ServerHello at Initial.
        guard case .handshakeData(.initial, let clientHello)? = pair.clientEvents.first else {
            return XCTFail("first client event is not Initial handshake data")
        }
        XCTAssertEqual(clientHello.first, 1)
        let serverData = pair.serverEvents.compactMap { event -> (EncryptionLevel, [UInt8])? in
            if case .handshakeData(let level, let bytes) = event { return (level, bytes) }
            return nil
        }
        XCTAssertEqual(serverData.first?.0, .initial)
        XCTAssertEqual(serverData.first?.1.first, 2)
        XCTAssertEqual(serverData.map(\.0), [.initial, .handshake])
        // Keys come before the data that needs them: a write secret for a level precedes its handshake data.
        for events in [pair.clientEvents, pair.serverEvents] {
            var writeLevels: Set<EncryptionLevel> = [.initial]
            for event in events {
                if case .secret(let level, .write, _, _) = event { writeLevels.insert(level) }
                if case .handshakeData(let level, _) = event { XCTAssertTrue(writeLevels.contains(level), "\(level)") }
            }
        }
    }

    func testSecretsProtectPacketsAcrossSides() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(), server: HandshakePair.serverConfiguration())
        pair.run()
        XCTAssertTrue(pair.server.isHandshakeComplete)
        let (suite, clientWrite) = try XCTUnwrap(HandshakePair.secret(in: pair.clientEvents, level: .oneRTT, direction: .write))
        let (_, serverRead) = try XCTUnwrap(HandshakePair.secret(in: pair.serverEvents, level: .oneRTT, direction: .read))
        let sender = PacketProtection(suite: suite, secret: clientWrite)
        let receiver = PacketProtection(suite: suite, secret: serverRead)
        let header: [UInt8] = [0x40, 1, 2, 3, 4, 0]
        let sealed = sender.seal(payload: Array("hello".utf8)[...], packetNumber: 0, header: header[...])
        XCTAssertEqual(try receiver.open(ciphertext: sealed[...], packetNumber: 0, header: header[...]), Array("hello".utf8))
        XCTAssertEqual(sender.nextKeyPhase().secret, receiver.nextKeyPhase().secret)
    }

    func testFragmentedDelivery() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(), server: HandshakePair.serverConfiguration())
        pair.chunkSize = 7
        pair.run()
        XCTAssertNil(pair.clientError)
        XCTAssertNil(pair.serverError)
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertTrue(pair.server.isHandshakeComplete)
        XCTAssertEqual(pair.server.peerTransportParameters, HandshakePair.clientParameters)
    }

    func testEachCipherSuiteRestriction() throws {
        for suite in CipherSuite.allCases {
            // Restricted on the client (the interop chacha20 case) ...
            let pair = try HandshakePair(client: HandshakePair.clientConfiguration(suites: [suite]), server: HandshakePair.serverConfiguration())
            pair.run()
            XCTAssertTrue(pair.client.isHandshakeComplete, "\(suite)")
            XCTAssertTrue(pair.server.isHandshakeComplete, "\(suite)")
            XCTAssertEqual(pair.client.negotiatedCipherSuite, suite)
            XCTAssertEqual(pair.server.negotiatedCipherSuite, suite)
            XCTAssertEqual(HandshakePair.secret(in: pair.serverEvents, level: .oneRTT, direction: .write)?.0, suite)
            // ... and on the server.
            let serverSide = try HandshakePair(client: HandshakePair.clientConfiguration(), server: HandshakePair.serverConfiguration(suites: [suite]))
            serverSide.run()
            XCTAssertTrue(serverSide.client.isHandshakeComplete, "\(suite)")
            XCTAssertEqual(serverSide.client.negotiatedCipherSuite, suite)
        }
    }

    func testNoCommonCipherSuiteFails() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(suites: [.chacha20Poly1305SHA256]),
                                     server: HandshakePair.serverConfiguration(suites: [.aes128GCMSHA256]))
        pair.run()
        XCTAssertEqual(pair.serverError?.alert, 40)
        XCTAssertFalse(pair.client.isHandshakeComplete)
    }

    func testALPNMismatchFailsWithAlert120() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(alpn: ["moqt-18"]),
                                     server: HandshakePair.serverConfiguration(alpn: ["hq-interop"]))
        pair.run()
        XCTAssertEqual(pair.serverError?.alert, 120)
        XCTAssertFalse(pair.server.isHandshakeComplete)
        XCTAssertFalse(pair.client.isHandshakeComplete)
        // The server produced no handshake keys and no flight: the client sees the connection fail
        // (through CONNECTION_CLOSE 0x178 in QUIC), never a completed handshake.
        XCTAssertNil(HandshakePair.secret(in: pair.serverEvents, level: .handshake, direction: .write))
        // Later input keeps failing with the same error.
        XCTAssertThrowsError(try pair.server.handle(handshakeData: [1], at: .initial)) {
            XCTAssertEqual(($0 as? TLSError)?.alert, 120)
        }
    }

    func testALPNPicksCommonProtocol() throws {
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(alpn: ["moqt-18", "moq-00"]),
                                     server: HandshakePair.serverConfiguration(alpn: ["moq-00", "moqt-18"]))
        pair.run()
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertNotNil(pair.client.negotiatedALPN)
        XCTAssertEqual(pair.client.negotiatedALPN, pair.server.negotiatedALPN)
    }

    func testVerifyPeerRejectsUntrustedSelfSignedCertificate() throws {
        var clientConfiguration = HandshakePair.clientConfiguration()
        clientConfiguration.verifyPeer = true
        let pair = try HandshakePair(client: clientConfiguration, server: HandshakePair.serverConfiguration())
        pair.run()
        let error = try XCTUnwrap(pair.clientError)
        // bad_certificate, unsupported_certificate, certificate_revoked/expired/unknown, unknown_ca.
        XCTAssertTrue([42, 43, 44, 45, 46, 48].contains(error.alert), "\(error)")
        XCTAssertFalse(pair.client.isHandshakeComplete)
        XCTAssertFalse(pair.server.isHandshakeComplete)
    }

    func testVerifyPeerAcceptsTrustedCertificate() throws {
        let caFile = FileManager.default.temporaryDirectory.appendingPathComponent("quictls-ca-\(UUID().uuidString).pem").path
        try HandshakePair.certificate.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: caFile) }
        let clientConfiguration = TLSConfiguration.client(alpnProtocols: ["hq-interop"], serverName: "localhost",
                                                          verifyPeer: true, trustedCAFile: caFile)
        let pair = try HandshakePair(client: clientConfiguration, server: HandshakePair.serverConfiguration())
        pair.run()
        XCTAssertNil(pair.clientError)
        XCTAssertTrue(pair.client.isHandshakeComplete)
        XCTAssertTrue(pair.server.isHandshakeComplete)

        // An IP literal as server name is checked against the certificate's IP addresses.
        let byAddress = TLSConfiguration.client(alpnProtocols: ["hq-interop"], serverName: "127.0.0.1",
                                                verifyPeer: true, trustedCAFile: caFile)
        let addressPair = try HandshakePair(client: byAddress, server: HandshakePair.serverConfiguration())
        addressPair.run()
        XCTAssertNil(addressPair.clientError)
        XCTAssertTrue(addressPair.client.isHandshakeComplete)

        // The same trust, but the wrong host name: rejected.
        let wrongName = TLSConfiguration.client(alpnProtocols: ["hq-interop"], serverName: "example.org",
                                                verifyPeer: true, trustedCAFile: caFile)
        let mismatch = try HandshakePair(client: wrongName, server: HandshakePair.serverConfiguration())
        mismatch.run()
        XCTAssertNotNil(mismatch.clientError)
        XCTAssertFalse(mismatch.client.isHandshakeComplete)
    }

    func testServerCertificateFromFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("quictls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificatePath = directory.appendingPathComponent("cert.pem").path
        let keyPath = directory.appendingPathComponent("key.pem").path
        try HandshakePair.certificate.certificatePEM.write(toFile: certificatePath, atomically: true, encoding: .utf8)
        try HandshakePair.certificate.privateKeyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        let server = TLSConfiguration.server(alpnProtocols: ["hq-interop"], certificateChain: .file(path: certificatePath),
                                             privateKey: .file(path: keyPath))
        let pair = try HandshakePair(client: HandshakePair.clientConfiguration(), server: server)
        pair.run()
        XCTAssertTrue(pair.server.isHandshakeComplete)

        let missing = TLSConfiguration.server(alpnProtocols: ["hq-interop"], certificateChain: .file(path: certificatePath + ".missing"),
                                              privateKey: .file(path: keyPath))
        XCTAssertThrowsError(try GnuTLSSession(configuration: missing, localTransportParameters: []))
    }

    func testKeyLogFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("quictls-keys-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var clientConfiguration = HandshakePair.clientConfiguration()
        clientConfiguration.keyLogFile = path
        let pair = try HandshakePair(client: clientConfiguration, server: HandshakePair.serverConfiguration())
        pair.run()
        XCTAssertTrue(pair.client.isHandshakeComplete)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        let labels = Set(lines.compactMap { $0.split(separator: " ").first.map(String.init) })
        XCTAssertTrue(labels.isSuperset(of: ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                                             "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]), "\(labels)")
        // The logged client 1-RTT secret is the one the client installed.
        let clientWrite = try XCTUnwrap(HandshakePair.secret(in: pair.clientEvents, level: .oneRTT, direction: .write)).1
        let line = try XCTUnwrap(lines.first { $0.hasPrefix("CLIENT_TRAFFIC_SECRET_0 ") })
        let fields = line.split(separator: " ")
        XCTAssertEqual(fields.count, 3)
        XCTAssertEqual(fields[1].count, 64)
        XCTAssertEqual(String(fields[2]), clientWrite.map { String(format: "%02x", $0) }.joined())

        // A second session appends to the same file instead of overwriting it.
        let second = try HandshakePair(client: clientConfiguration, server: HandshakePair.serverConfiguration())
        second.run()
        let allLines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(allLines.count, 2 * lines.count)
        XCTAssertEqual(Array(allLines.prefix(lines.count)), lines)
    }
}
