import Logging
import MoQT
import MoQTWebTransport
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import QUIC
import QUICIO
import QUICTLS

/// Opens and accepts MoQT sessions on raw QUIC, draft-18 (ALPN `moqt-18`) and draft-22 (`moqt-22`)
/// as `transportOptions.drafts` says; each session runs the draft its handshake negotiated.
/// WebTransport (browsers, ALPN `h3`) stays on draft-18.
public final class MoQTEndpoint: @unchecked Sendable {
    /// The ALPN of draft-18 on raw QUIC (and the MoQT protocol offered inside WebTransport).
    public static let alpn = "moqt-18"
    /// The QUIC endpoint beneath.
    public let quic: QUICEndpoint
    /// The accepted sessions that are still alive (server); holds none of them.
    private var acceptedBox: AcceptedSessions?

    private init(quic: QUICEndpoint) {
        self.quic = quic
    }

    /// Settings of the QUIC connections MoQT runs on: many uni streams (one per subgroup) and
    /// generous windows for video.
    public static func connectionConfiguration() -> ConnectionConfiguration {
        var c = ConnectionConfiguration()
        transportOptions.apply(&c)
        c.initialMaxStreamsUni = 1000
        c.initialMaxStreamsBidi = 1000
        c.initialMaxData = 4 << 20
        c.initialMaxStreamData = 1 << 20
        // Object datagrams (draft-18 §11.3) need RFC 9221 DATAGRAM, which a peer may only send
        // after we offer max_datagram_frame_size; 65535 = any frame that fits a packet (RFC 9221 §3).
        c.maxDatagramFrameSize = 65535
        return c
    }

    /// Process-wide QUIC options of the endpoints created from now on (set once at startup by the
    /// tools: `--allow-cleartext`, `moq-relay --ebpf`).
    nonisolated(unsafe) public static var transportOptions = MoQTTransportOptions()

    /// Told once per session when both SETUPs are exchanged, with the draft it speaks (the tools log
    /// it: "MoQT session ready: draft-22 (moqt-22)"). Set once at startup.
    nonisolated(unsafe) public static var sessionReadyLog: (@Sendable (String) -> Void)?

    /// The kernel fast path classifies one QUIC packet per skb and passes GSO super-packets up to
    /// user space: an endpoint whose packets are meant for it (`fastPathEncoding`) sends without UDP GSO.
    static func applySegmentationPolicy(_ quic: QUICEndpoint) async throws {
        if transportOptions.fastPathEncoding { await quic.setSegmentationOffload(false) }
    }

    /// A client endpoint on an ephemeral UDP port.
    public static func client(group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                              logger: Logger = Logger(label: "moqt")) async throws -> MoQTEndpoint {
        var config = EndpointConfiguration()
        config.connection = connectionConfiguration()
        let quic = try await QUICEndpoint.bind(host: "0.0.0.0", port: 0, configuration: config, group: group, logger: logger)
        try await applySegmentationPolicy(quic)
        return MoQTEndpoint(quic: quic)
    }

    /// A server endpoint listening on `host:port` with the given certificate chain and key.
    /// `handler` receives the events of every accepted session from the first one.
    public static func server(host: String, port: Int, certificateChain: PEMSource, privateKey: PEMSource,
                              configuration: MoQTSessionConfiguration = MoQTSessionConfiguration(),
                              handler: MoQTSessionHandler?,
                              group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                              logger: Logger = Logger(label: "moqt"),
                              webTransport: Bool = false,
                              webTransportLog: ((String) -> Void)? = nil) async throws -> MoQTEndpoint {
        // With webTransport, browsers connect on the same port with ALPN h3 (docs/WEBTRANSPORT.md).
        let alpns = transportOptions.alpns + (webTransport ? [MoQTWebTransportBridge.alpn] : [])
        let serverTLS = TLSConfiguration.server(alpnProtocols: alpns, certificateChain: certificateChain, privateKey: privateKey)
        let tls = transportOptions.preferChaCha20 ? serverTLS.preferringChaCha20Poly1305() : serverTLS
        var config = EndpointConfiguration()
        config.connection = connectionConfiguration()
        config.acceptsIncoming = true
        config.requiresRetry = transportOptions.requiresRetry
        config.retryAboveHalfOpen = transportOptions.retryAboveHalfOpen
        config.maxConnectionsPerAddress = transportOptions.maxConnectionsPerAddress
        let acceptedBox = AcceptedSessions()
        let quic = try await QUICEndpoint.bind(
            host: host, port: port, configuration: config,
            serverTLSFactory: { try GnuTLSSession(configuration: tls, localTransportParameters: $0) },
            incomingDelegate: { connection in
                let moqt = MoQTConnection(quic: connection, core: connection.coreOnLoop, role: .server, configuration: configuration,
                                          acceptsWebTransport: webTransport)
                moqt.handler = handler
                moqt.webTransportLog = webTransportLog
                acceptedBox.append(moqt)
                return moqt
            },
            group: group,
            logger: logger)
        try await applySegmentationPolicy(quic)
        let endpoint = MoQTEndpoint(quic: quic)
        endpoint.acceptedBox = acceptedBox
        return endpoint
    }

    /// The accepted sessions still alive (server), as a finite sequence. A session is released once
    /// its connection is gone: the endpoint never keeps closed sessions.
    public func incomingSessionsSoFar() -> AsyncStream<MoQTConnection> {
        let list = acceptedBox?.all ?? []
        return AsyncStream { c in
            for s in list { c.yield(s) }
            c.finish()
        }
    }

    /// Connects to `url` (`moqt://HOST:PORT`) and waits until the session is ready.
    /// `handler` receives the session's events from the first one.
    /// `drafts` (default `transportOptions.drafts`) are offered in that order; the server picks.
    public func connect(url: String, insecure: Bool, trustedCAFile: String? = nil,
                        configuration: MoQTSessionConfiguration = MoQTSessionConfiguration(),
                        drafts: [MoQTDraft]? = nil,
                        handler: MoQTSessionHandler?) async throws -> MoQTConnection {
        guard let parsed = Self.parse(url: url) else { throw MoQTNetError.badURL(url) }
        let tls = TLSConfiguration.client(alpnProtocols: (drafts ?? Self.transportOptions.drafts).map(\.alpn), serverName: parsed.host, verifyPeer: !insecure,
                                          trustedCAFile: trustedCAFile)
        var session: MoQTConnection?
        _ = try await quic.connect(
            host: parsed.host, port: parsed.port,
            tlsFactory: { try GnuTLSSession(configuration: tls, localTransportParameters: $0) },
            delegate: { connection in
                let moqt = MoQTConnection(quic: connection, core: connection.coreOnLoop, role: .client, configuration: configuration)
                moqt.handler = handler
                session = moqt
                return moqt
            })
        guard let session else { throw MoQTNetError.badURL(url) }
        try await session.waitUntilReady()
        return session
    }

    /// Splits `moqt://HOST:PORT` (default port 4443; IPv6 hosts in brackets).
    public static func parse(url: String) -> (host: String, port: Int)? {
        guard url.hasPrefix("moqt://") else { return nil }
        var rest = Substring(url.dropFirst("moqt://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.isEmpty { return (host, 4443) }
            guard after.hasPrefix(":"), let port = Int(after.dropFirst()), (0...65535).contains(port) else { return nil }
            return (host, port)
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { return nil }
        if parts.count == 1 { return (String(host), 4443) }
        guard let port = Int(parts[1]), (0...65535).contains(port) else { return nil }
        return (String(host), port)
    }

    /// Closes every session and the socket.
    public func close() async {
        await quic.close()
    }
}

/// Sessions a server endpoint accepted (appended on the event loop, read from any task), as weak references: a session lives as long as its QUIC connection
/// holds it, so a server accepting sessions for days keeps only the live ones.
final class AcceptedSessions: @unchecked Sendable {
    private struct Entry { weak var session: MoQTConnection? }
    private let lock = NIOLock()
    private var entries: [Entry] = []
    /// `entries.count` at the last compaction: compacting when the list doubled keeps appends O(1) amortised.
    private var compactedCount = 0

    func append(_ s: MoQTConnection) {
        lock.withLock {
            entries.append(Entry(session: s))
            if entries.count >= 2 * max(compactedCount, 16) {
                entries.removeAll { $0.session == nil }
                compactedCount = entries.count
            }
        }
    }

    /// The sessions still alive.
    var all: [MoQTConnection] { lock.withLock { entries.compactMap(\.session) } }
}
