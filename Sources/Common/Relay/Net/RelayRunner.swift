import Dispatch
import Foundation
import MoQT
import MoQTNet
import NIOCore
import NIOPosix
import QUICTLS

/// moq-relay's entry point: serves on one UDP port until SIGINT/SIGTERM, writes the stats JSON
/// on exit and on SIGUSR1.
public enum RelayRunner {
    /// What the relay runs with.
    public struct Options: Sendable {
        /// Listen address.
        public var host: String
        /// Listen port (0: any free port).
        public var port: Int
        /// PEM certificate and key files (a self-signed pair is generated when nil).
        public var certificateFile: String?
        /// See `certificateFile`.
        public var keyFile: String?
        /// The cache bounds of every track; `cacheBytes` also bounds all the tracks together.
        public var cache: TrackCache.Configuration
        /// Where to write the stats JSON, if anywhere.
        public var statsFile: String?
        /// The kernel fast path (`--ebpf`), started by the caller, which also shuts it down.
        public var fastPath: RelayFastPath?
        /// The upstream relay (`moqt://HOST:PORT`), if chained.
        public var upstream: String?
        /// Where to serve Prometheus metrics (`HOST:PORT`), if anywhere.
        public var metrics: String?
        /// Session settings of every accepted session (and the upstream one): object size limit,
        /// SETUP timeout, pre-SETUP byte cap.
        public var session = MoQTSessionConfiguration()
        /// Which requests need an AUTHORIZATION TOKEN (`--publish-token`, `--subscribe-token`).
        public var authorization = RelayAuthorization()
        /// The token presented in SETUP to the upstream relay (`--upstream-token`), Token Type 0.
        public var upstreamToken: [UInt8]?
        /// Each subscriber's queue bounds (`--subscriber-queue-bytes`, `--subscriber-queue-delay`).
        public var queue = RelayServer.defaultQueueConfiguration
        /// Seconds a subscriber may stay behind before its session is closed (`--slow-subscriber-timeout`;
        /// `RelayServer.slowSubscriberTimeout`); nil: never.
        public var slowSubscriberTimeout: Double? = 10
        /// Called with the relay before it listens (e.g. to attach `--metrics`); an error stops the start.
        public var prepare: (@Sendable (RelayServer) async throws -> Void)?
        /// Accept WebTransport sessions (ALPN h3, browsers) on the same UDP port as raw MoQT.
        public var webTransport = true
        /// Called once the relay listens, with its UDP port and the SHA-256 of its certificate
        /// (what a browser pins with `serverCertificateHashes`), e.g. to start `--http`.
        public var onListening: (@Sendable (_ port: Int, _ certificateSHA256: [UInt8]?) async throws -> Void)?

        /// Options from their parts.
        public init(host: String, port: Int, certificateFile: String?, keyFile: String?,
                    cache: TrackCache.Configuration, statsFile: String?) {
            self.host = host
            self.port = port
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.cache = cache
            self.statsFile = statsFile
        }
    }

    /// Splits `HOST:PORT` (or `[V6]:PORT`, or `HOST` with port 4443).
    public static func parseAddress(_ address: String) -> (host: String, port: Int)? {
        MoQTEndpoint.parse(url: "moqt://" + address)
    }

    /// Checks an upstream relay URL (`moqt://HOST:PORT`).
    public static func parseUpstream(_ url: String) -> (host: String, port: Int)? { MoQTEndpoint.parse(url: url) }

    /// Serves until SIGINT or SIGTERM; prints `READY <port>` on stdout once listening.
    public static func run(options: Options, log: @escaping @Sendable (String) -> Void) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let relay = RelayServer(eventLoop: loop, cache: options.cache, queue: options.queue)
        relay.sessionConfiguration = options.session
        if let token = options.upstreamToken {
            relay.sessionConfiguration.setupOptions.authorizationTokens = [.useValue(type: 0, value: token)]
        }
        relay.authorization = options.authorization
        relay.slowSubscriberTimeout = options.slowSubscriberTimeout
        relay.log = log
        try await options.prepare?(relay)
        relay.fastPath = options.fastPath
        let chain: PEMSource, key: PEMSource
        let certificatePEM: String?
        if let c = options.certificateFile, let k = options.keyFile {
            chain = .file(path: c)
            key = .file(path: k)
            certificatePEM = try? String(contentsOfFile: c, encoding: .utf8)
        } else {
            // What browsers accept for serverCertificateHashes: ECDSA P-256, X.509v3, valid at most
            // 14 days (13 days and the hour it is backdated).
            let generated = try SelfSignedCertificate.generate(commonName: "moq-relay", subjectAlternativeNames: ["localhost", "127.0.0.1", "::1"],
                                                               validityDays: 13)
            chain = .pem(generated.certificatePEM)
            key = .pem(generated.privateKeyPEM)
            certificatePEM = generated.certificatePEM
        }
        let endpoint = try await MoQTEndpoint.server(host: options.host, port: options.port, certificateChain: chain,
                                                     privateKey: key, configuration: options.session, handler: relay, group: loop,
                                                     webTransport: options.webTransport, webTransportLog: log)
        let port = endpoint.quic.localAddress?.port ?? options.port
        let certificateHash = certificatePEM.flatMap(CertificateFingerprint.sha256(pem:))
        if options.webTransport, let h = certificateHash {
            log("moq-relay: WebTransport (h3) on the same port; certificate sha-256 \(CertificateFingerprint.hex(h))")
        }
        do { try await options.onListening?(port, certificateHash) } catch {
            await endpoint.close()
            throw error
        }
        try options.fastPath?.activate(endpoint: endpoint.quic)
        log("moq-relay: listening on \(options.host):\(port)")
        if let upstream = options.upstream {
            do {
                try await relay.connectUpstream(url: upstream)
            } catch {
                await endpoint.close()
                throw error
            }
        }
        print("READY \(port)")
        fflush(stdout)

        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [DispatchSourceSignal] = []
        for sig in [SIGINT, SIGTERM, SIGUSR1] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            sources.append(source)
        }
        for await sig in signals {
            await writeStats(relay, to: options.statsFile, log: log)
            if sig == SIGUSR1 { continue }
            log("moq-relay: shutting down")
            break
        }
        for s in sources { s.cancel() }
        await relay.closeAll()
        await endpoint.close()
        await writeStats(relay, to: options.statsFile, log: log)
    }

    static func writeStats(_ relay: RelayServer, to file: String?, log: (String) -> Void) async {
        guard let file else { return }
        do {
            let data = try await relay.currentStats().jsonData()
            try data.write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            log("moq-relay: cannot write stats to \(file): \(error)")
        }
    }
}
