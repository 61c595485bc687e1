import Foundation
import MoQT
@testable import MoQTNet
import NIOCore
import NIOPosix
import QUIC
import QUICIO
import QUICTLS
@testable import Relay

/// An in-process relay on a loopback port plus helpers to connect publishers and subscribers.
final class RelayHarness: @unchecked Sendable {
    let loop: EventLoop
    let relay: RelayServer
    let endpoint: MoQTEndpoint
    let port: Int
    private var clients: [QUICEndpoint] = []

    init(cache: TrackCache.Configuration = TrackCache.Configuration(),
         queue: SubscriberQueue.Configuration = RelayServer.defaultQueueConfiguration, upstream: String? = nil) async throws {
        loop = MultiThreadedEventLoopGroup.singleton.next()
        relay = RelayServer(eventLoop: loop, cache: cache, queue: queue)
        let generated = try SelfSignedCertificate.generate(commonName: "moq-relay")
        endpoint = try await MoQTEndpoint.server(host: "127.0.0.1", port: 0, certificateChain: .pem(generated.certificatePEM),
                                                 privateKey: .pem(generated.privateKeyPEM), handler: relay, group: loop)
        port = endpoint.quic.localAddress?.port ?? 0
        if let upstream { try await relay.connectUpstream(url: upstream) }
    }

    var url: String { "moqt://127.0.0.1:\(port)" }

    /// A client session to the relay (or to `url`) with `handler`; `window` shrinks its receive
    /// windows, `throttle` puts a `ThrottledDelegate` in front of it.
    func connect(_ handler: MoQTSessionHandler, to url: String? = nil, window: UInt64? = nil,
                 throttle: Bool = false,
                 configuration: MoQTSessionConfiguration = MoQTSessionConfiguration()) async throws -> (MoQTConnection, ThrottledDelegate?) {
        var config = EndpointConfiguration()
        var cc = MoQTEndpoint.connectionConfiguration()
        if let window {
            cc.initialMaxData = window
            cc.initialMaxStreamData = window / 2
        }
        config.connection = cc
        let quic = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: config)
        clients.append(quic)
        let target = MoQTEndpoint.parse(url: url ?? self.url)!
        let tls = TLSConfiguration.client(alpnProtocols: [MoQTEndpoint.alpn], serverName: "localhost", verifyPeer: false)
        var session: MoQTConnection?
        var gate: ThrottledDelegate?
        _ = try await quic.connect(host: target.host, port: target.port,
                                   tlsFactory: { try GnuTLSSession(configuration: tls, localTransportParameters: $0) },
                                   delegate: { c in
                                       let m = MoQTConnection(quic: c, core: c.coreOnLoop, role: .client, configuration: configuration)
                                       m.handler = handler
                                       session = m
                                       if throttle {
                                           gate = ThrottledDelegate(inner: m)
                                           return gate
                                       }
                                       return m
                                   })
        guard let session else { throw MoQTNetError.badURL(url ?? self.url) }
        try await session.waitUntilReady()
        return (session, gate)
    }

    /// A `SyntheticPublisher` session that has announced `namespace` (PUBLISH_NAMESPACE accepted).
    func announcedPublisher(_ namespace: TrackNamespace) async throws -> SyntheticPublisher {
        let publisher = SyntheticPublisher(namespace: namespace)
        let (conn, _) = try await connect(publisher)
        publisher.connection = conn
        _ = try await conn.perform { try $0.publishNamespace(namespace) }
        try await waitUntil { publisher.announced }
        return publisher
    }

    /// Runs `body` on the relay's event loop.
    func onLoop<T: Sendable>(_ body: @escaping () -> T) async throws -> T { try await loop.submit(body).get() }

    func close() async {
        await relay.closeAll()
        for c in clients { await c.close() }
        await endpoint.close()
    }
}
