import Crypto
import XCTest
import QUIC
import QUICIO
import QUICTLS

/// Our client against our server over real UDP sockets on loopback.
final class LoopbackTests: XCTestCase {
    static let alpn = "moq-fastrelay-test"

    struct Pair {
        let server: QUICEndpoint
        let client: QUICEndpoint
        let clientConnection: QUICConnection
        let serverConnection: QUICConnection
    }

    func makePair() async throws -> Pair {
        let cert = try SelfSignedCertificate.generate(commonName: "localhost")
        let serverTLS = TLSConfiguration.server(alpnProtocols: [Self.alpn], certificateChain: .pem(cert.certificatePEM),
                                                privateKey: .pem(cert.privateKeyPEM))
        var serverConfig = EndpointConfiguration()
        serverConfig.acceptsIncoming = true
        let server = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: serverConfig,
                                                 serverTLSFactory: { try GnuTLSSession(configuration: serverTLS, localTransportParameters: $0) })
        let client = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: EndpointConfiguration())
        let clientTLS = TLSConfiguration.client(alpnProtocols: [Self.alpn], serverName: "localhost", verifyPeer: false)
        async let accepted = server.incomingConnections.first(where: { _ in true })
        let connection = try await client.connect(host: "127.0.0.1", port: server.localAddress!.port!,
                                                  tlsFactory: { try GnuTLSSession(configuration: clientTLS, localTransportParameters: $0) })
        let serverConnection = await accepted
        return Pair(server: server, client: client, clientConnection: connection, serverConnection: try XCTUnwrap(serverConnection))
    }

    func testHandshakeNegotiatesALPN() async throws {
        let pair = try await makePair()
        let clientALPN = await pair.clientConnection.negotiatedALPN
        let serverALPN = await pair.serverConnection.negotiatedALPN
        XCTAssertEqual(clientALPN, Self.alpn)
        XCTAssertEqual(serverALPN, Self.alpn)
        await pair.client.close()
        await pair.server.close()
    }

    func testTenMegabytesOnUniAndBidiStreamsHashEqual() async throws {
        let pair = try await makePair()
        var rng = SystemRandomNumberGenerator()
        let payload = (0..<10_000_000).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let digest = Array(SHA256.hash(data: payload))

        // Server: echo the SHA-256 of every uni stream back on a new uni stream; echo bidi data back.
        let serverTask = Task {
            for await stream in pair.serverConnection.incomingStreams {
                if stream.isBidirectional {
                    let body = try await stream.readAll()
                    try await stream.writeAndFinish(body)
                } else {
                    let body = try await stream.readAll()
                    let reply = try await pair.serverConnection.openUniStream()
                    try await reply.writeAndFinish(Array(SHA256.hash(data: body)))
                }
            }
        }

        let uni = try await pair.clientConnection.openUniStream()
        try await uni.writeAndFinish(payload)
        var replies = pair.clientConnection.incomingStreams.makeAsyncIterator()
        let next = await replies.next()
        let reply = try XCTUnwrap(next)
        let echoedDigest = try await reply.readAll()
        XCTAssertEqual(echoedDigest, digest, "uni stream delivered the 10 MB intact")

        let bidi = try await pair.clientConnection.openBidiStream()
        async let echoed = bidi.readAll()
        try await bidi.writeAndFinish(payload)
        let back = try await echoed
        XCTAssertEqual(back.count, payload.count)
        XCTAssertEqual(Array(SHA256.hash(data: back)), digest, "bidi echo delivered the 10 MB intact")

        serverTask.cancel()
        await pair.clientConnection.close(errorCode: 0, reason: "done")
        await pair.client.close()
        await pair.server.close()
    }

    func testConnectToNobodyFailsInsteadOfHanging() async throws {
        let client = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: {
            var c = EndpointConfiguration()
            c.connection.maxIdleTimeout = .milliseconds(1500)
            return c
        }())
        let tls = TLSConfiguration.client(alpnProtocols: [Self.alpn], serverName: "localhost", verifyPeer: false)
        // A port nobody listens on (bind and close a socket to find one).
        let probe = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: EndpointConfiguration())
        let port = probe.localAddress!.port!
        await probe.close()
        do {
            _ = try await client.connect(host: "127.0.0.1", port: port,
                                         tlsFactory: { try GnuTLSSession(configuration: tls, localTransportParameters: $0) })
            XCTFail("connected to nobody")
        } catch let error as QUICIOError {
            guard case .connectionClosed = error else { return XCTFail("unexpected \(error)") }
        }
        await client.close()
    }

    /// Records the events a connection delivers.
    final class EventLog: QUICConnectionDelegate, @unchecked Sendable {
        var events: [ConnectionEvent] = []
        func connection(_ connection: QUICConnection, core: Connection, didReceive event: ConnectionEvent) { events.append(event) }
    }

    /// An established connection that goes silent (the server vanished, e.g. crashed) ends by idle
    /// timeout: its delegate must see `.connectionClosed` (moq-sub used to wait for SERVER_SETUP
    /// forever, no timer left).
    func testIdleTimeoutAfterHandshakeReachesTheDelegate() async throws {
        let cert = try SelfSignedCertificate.generate(commonName: "localhost")
        let serverTLS = TLSConfiguration.server(alpnProtocols: [Self.alpn], certificateChain: .pem(cert.certificatePEM),
                                                privateKey: .pem(cert.privateKeyPEM))
        var serverConfig = EndpointConfiguration()
        serverConfig.acceptsIncoming = true
        let server = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: serverConfig,
                                                 serverTLSFactory: { try GnuTLSSession(configuration: serverTLS, localTransportParameters: $0) })
        var clientConfig = EndpointConfiguration()
        clientConfig.connection.maxIdleTimeout = .milliseconds(1000)
        let client = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: clientConfig)
        let clientTLS = TLSConfiguration.client(alpnProtocols: [Self.alpn], serverName: "localhost", verifyPeer: false)
        let log = EventLog()
        let connection = try await client.connect(host: "127.0.0.1", port: server.localAddress!.port!,
                                                  tlsFactory: { try GnuTLSSession(configuration: clientTLS, localTransportParameters: $0) },
                                                  delegate: { _ in log })
        var closed = false
        for _ in 0..<50 where !closed {
            try await Task.sleep(nanoseconds: 100_000_000)
            closed = try await connection.eventLoop.submit {
                log.events.contains { if case .connectionClosed = $0 { return true } else { return false } }
            }.get()
        }
        XCTAssertTrue(closed, "the delegate never saw the idle timeout")
        await client.close()
        await server.close()
    }
}
