import Foundation
import MoQTNet
import NIOCore
import NIOPosix
import QUICIO
import QUICTLS
import XCTest

/// A subscriber whose relay vanishes without a word (killed, or its host gone): the session times
/// out, its QUIC connection is removed from the endpoint, and the application still holds the
/// session and closes it. moq-sub used to abort here ("Attempted to read an unowned reference but
/// object ... was already destroyed") when the session held its connection unowned: the removed
/// connection was freed under it. The session must keep its connection, report the idle timeout, and
/// take a close as a no-op.
final class VanishedPeerSessionTests: XCTestCase {
    /// Forwards UDP between one client and `server` until `vanish()`: from then on nothing passes
    /// either way and nothing is answered, as when a relay process is killed.
    final class VanishingForwarder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let server: SocketAddress
        var client: SocketAddress?
        var vanished = false
        var channel: Channel?

        init(server: SocketAddress) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard !vanished else { return }
            let fromServer = envelope.remoteAddress == server
            if !fromServer { client = envelope.remoteAddress }
            guard let destination = fromServer ? client : server else { return }
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: destination, data: envelope.data)), promise: nil)
        }

        static func start(forwardingTo port: Int) async throws -> VanishingForwarder {
            let forwarder = VanishingForwarder(server: try SocketAddress(ipAddress: "127.0.0.1", port: port))
            forwarder.channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { $0.pipeline.addHandler(forwarder) }
                .bind(host: "127.0.0.1", port: 0).get()
            return forwarder
        }

        var port: Int? { channel?.localAddress?.port }

        func vanish() async throws {
            try await channel?.eventLoop.submit { self.vanished = true }.get()
        }

        func close() async { try? await channel?.close() }
    }

    func testASessionWhosePeerVanishedTimesOutKeepsItsConnectionAndCanBeClosed() async throws {
        let saved = MoQTEndpoint.transportOptions
        MoQTEndpoint.transportOptions.idleTimeout = 1
        defer { MoQTEndpoint.transportOptions = saved }
        let cert = try SelfSignedCertificate.generate(commonName: "localhost")
        let server = try await MoQTEndpoint.server(host: "127.0.0.1", port: 0, certificateChain: .pem(cert.certificatePEM),
                                                   privateKey: .pem(cert.privateKeyPEM), handler: nil)
        let forwarder = try await VanishingForwarder.start(forwardingTo: try XCTUnwrap(server.quic.localAddress?.port))
        let client = try await MoQTEndpoint.client()
        let session = try await client.connect(url: "moqt://127.0.0.1:\(try XCTUnwrap(forwarder.port))", insecure: true, handler: nil)
        weak let connection = session.quic
        // A running subscriber: past the 8 s handshake timeout of `QUICEndpoint.connect`, whose
        // scheduled task holds the connection until it fires (keep-alive PINGs hold the session).
        try await Task.sleep(nanoseconds: 8_500_000_000)
        XCTAssertNil(session.closeInfo)

        try await forwarder.vanish()
        let start = Date()
        await session.waitUntilClosed()
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertLessThan(elapsed, 4, "closed by the 1 s idle timeout (took \(elapsed) s)")
        XCTAssertEqual(session.transportCloseReason, .idleTimeout)
        XCTAssertEqual(session.closeDescription, "idle timeout (nothing heard from the peer)")
        // An idle timeout has no draining period: the endpoint has removed the connection by now.
        try await Task.sleep(nanoseconds: 500_000_000)
        XCTAssertNotNil(connection, "the session keeps its connection object after the endpoint removed it")
        await session.close()
        await session.close(code: .internalError, reason: "again")
        XCTAssertEqual(session.transportCloseReason, .idleTimeout, "closing a timed-out session changes nothing")
        await session.waitUntilClosed()
        await client.close()
        await server.close()
        await forwarder.close()
    }
}
