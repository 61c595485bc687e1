import ArgumentParser
import CLIKit
import MoQT
import MoQTNet
import Relay

/// `moq-relay`: fans MoQ tracks out to subscribers, optionally forwarding media in the kernel.
@main
struct MoQRelayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moq-relay",
        abstract: "A Media-over-QUIC relay (draft-18) with an optional TC eBPF fast path.",
        discussion: """
            Accepts publishers and subscribers on one UDP port, subscribes upstream once per \
            track, caches the last N seconds, and drops the least important data first under \
            congestion. With --ebpf, media packets are cloned and rewritten in the kernel.

            Every session that closes is logged with its peer, its role and the reason (idle \
            timeout, the peer's close and code, or a protocol violation we closed it for). Quiet \
            sessions are kept alive with PINGs; --idle-timeout bounds how long a dead peer goes \
            unnoticed.

            --publish-token / --subscribe-token require the draft-18 AUTHORIZATION TOKEN (Token \
            Type 0, the file's text) for that role; a request without an accepted token gets \
            REQUEST_ERROR UNAUTHORIZED, a SETUP token that is not accepted closes the session with \
            UNAUTHORIZED. Without them anyone may publish and subscribe.

            Example:
              moq-relay --listen 0.0.0.0:4443 --stats relay.json
              moq-relay --publish-token pub.tokens --subscribe-token sub.tokens
            """
    )

    @Option(help: "UDP address to listen on.") var listen: String = "0.0.0.0:4443"
    @Option(help: "PEM certificate (self-signed one generated when omitted).") var cert: String?
    @Option(help: "PEM private key.") var key: String?
    @Option(help: "Relay to subscribe from (relay chaining), moqt://HOST:PORT.") var upstream: String?
    @Option(help: "Seconds of every track to cache.") var cacheSeconds: Double = 10
    @Option(help: "Byte bound of all the tracks' caches together (relay-wide: over it, the oldest groups of any track go first, each track's latest group last).")
    var cacheBytes: Int = 256 << 20
    @Flag(help: "Forward media packets in the kernel with TC eBPF (root).") var ebpf = false
    @Option(help: "Interfaces for the eBPF programs, comma-separated (auto-detected by default).") var ebpfIfaces: String?
    @Option(help: "The fast path's BPF object (default: bpf/fastpath.bpf.o near the executable, or $MOQ_FASTPATH_BPF_OBJECT).")
    var ebpfObject: String?
    @Option(help: ArgumentHelp("With --ebpf: the kernel's send budget per subscriber before its first loss (a keyframe burst beyond it goes through user space).", valueName: "BYTES"))
    var ebpfBurstBytes: Int = 128 << 10
    @Option(help: ArgumentHelp("Tests only: refresh the kernel's send budget at most every N ms (reproduces a lagging user space).", visibility: .hidden))
    var ebpfBudgetSyncMs: Int = 0
    @Flag(help: ArgumentHelp("Benchmarks only: the kernel reports every packet it sends on the ring buffer, as before the per-subscriber sent log (for A/B runs of one build).", visibility: .hidden))
    var ebpfSentRecords = false
    @Flag(inversion: .prefixedNo, help: "With --ebpf (default on): serve encrypted connections in the kernel too. The relay prefers TLS_CHACHA20_POLY1305_SHA256; publishers and subscribers whose connections negotiated it have their packets opened and sealed by the kernel (AES-GCM ones stay in user space; --stats says why). Cleartext stays an explicit opt-in of peers started with --allow-cleartext. --no-ebpf-encrypted: only cleartext peers in the kernel (the earlier mode).")
    var ebpfEncrypted = true
    @Option(help: ArgumentHelp("Tests only: start a QUIC key update on every encrypted fast-path connection every N ms.", visibility: .hidden))
    var ebpfKeyUpdateMs: Int = 0
    @Option(help: "Write a JSON stats document here on exit and on SIGUSR1.") var stats: String?
    @Option(help: "Serve Prometheus metrics on this address.") var metrics: String?
    @Flag(help: "Offer cleartext 1-RTT without the kernel fast path (NOT SECURE: for measurements that compare user space with --ebpf on the same packets; only peers started with --allow-cleartext accept it).")
    var allowCleartext = false
    @Flag(help: "Use the QUIC ACK frequency extension: ask subscribers that support it (moq-sub --ack-frequency) for an ACK every 10th packet or 10 ms instead of every 2nd packet.")
    var ackFrequency = false
    @Option(name: .customLong("max-object-size"), help: ArgumentHelp("Largest object accepted from a publisher; a larger one's subgroup stream is stopped (STOP_SENDING EXCESSIVE_LOAD) and reset for its subscribers as soon as its header arrives.", valueName: "BYTES"))
    var maxObjectSize: UInt64 = 64 << 20
    @Option(help: ArgumentHelp("Close a session whose SETUP has not arrived this long after its QUIC handshake (CONTROL_MESSAGE_TIMEOUT).", valueName: "SECONDS"))
    var setupTimeout: Double = 10
    @Option(help: ArgumentHelp("Validate client addresses with a QUIC Retry round trip: auto (only while 128 or more handshakes are half open, e.g. under an Initial flood), always, or never.", valueName: "auto|always|never"))
    var retry: String = "auto"
    @Option(name: .customLong("publish-token"), help: ArgumentHelp("Require an AUTHORIZATION TOKEN to publish (PUBLISH_NAMESPACE, PUBLISH). FILE holds the accepted tokens, one per line (blank lines and lines starting with # ignored); a token is accepted on the request or in the client's SETUP. Without one of them: REQUEST_ERROR UNAUTHORIZED.", valueName: "FILE"))
    var publishToken: String?
    @Option(name: .customLong("subscribe-token"), help: ArgumentHelp("Require an AUTHORIZATION TOKEN to subscribe (SUBSCRIBE, FETCH, TRACK_STATUS, SUBSCRIBE_NAMESPACE, SUBSCRIBE_TRACKS); FILE as for --publish-token.", valueName: "FILE"))
    var subscribeToken: String?
    @Option(name: .customLong("upstream-token"), help: ArgumentHelp("Present the first token in FILE (in SETUP) to the --upstream relay.", valueName: "FILE"))
    var upstreamToken: String?
    @Option(help: ArgumentHelp("Most connections from one IP address at once; more are refused with CONNECTION_REFUSED (0: no limit).", valueName: "N"))
    var maxConnectionsPerAddress: Int = 1024
    @Option(help: ArgumentHelp("Most requests one session may have open at once (subscriptions, announcements, namespace subscriptions, fetches, unanswered requests); one more gets REQUEST_ERROR EXCESSIVE_LOAD with a 1 s retry interval (0: no limit but QUIC's 100 bidirectional streams).", valueName: "N"))
    var maxRequestsPerSession: Int = 64
    @Option(help: ArgumentHelp("Most SUBSCRIBEs one session may have open at once; one more gets REQUEST_ERROR EXCESSIVE_LOAD (a second SUBSCRIBE to a track the session is subscribed to gets DUPLICATE_SUBSCRIPTION) (0: no limit).", valueName: "N"))
    var maxSubscriptionsPerSession: Int = 32
    @Option(help: ArgumentHelp("Bytes queued for one subscriber before its least important data is dropped (streams reset TOO_FAR_BEHIND); its most important objects go past twice this.", valueName: "BYTES"))
    var subscriberQueueBytes: Int = 2 << 20
    @Option(help: ArgumentHelp("Longest an object waits in a subscriber's queue before it is dropped (least important first; streams reset DELIVERY_TIMEOUT).", valueName: "SECONDS"))
    var subscriberQueueDelay: Double = 1
    @Option(help: ArgumentHelp("Close a subscriber that stays behind this long: its queue dropped objects (least important first) and has not drained since, or it acknowledged nothing while data was in flight to it (a stopped peer). Its subscriptions end with PUBLISH_DONE TOO_FAR_BEHIND and the session is closed with INTERNAL_ERROR (0: never).", valueName: "SECONDS"))
    var slowSubscriberTimeout: Double = 10
    @Option(help: ArgumentHelp("Serve the web player over plain HTTP on this TCP address (e.g. 127.0.0.1:8080): open http://ADDR/?namespace=demo in a browser; it plays over WebTransport from this relay.", valueName: "HOST:PORT"))
    var http: String?
    @Option(help: ArgumentHelp("The web player's folder (index.html, player.js); default: the web folder of the source tree or $MOQ_WEB_ROOT.", valueName: "DIR"))
    var webRoot: String?
    @Flag(help: "Refuse WebTransport (ALPN h3): raw MoQT only. (Also implied by --ebpf: the kernel fast path forwards raw MoQT streams only.)")
    var noWebtransport = false
    @OptionGroup var idle: IdleTimeoutOptions
    @Option(help: ArgumentHelp("MoQ Transport draft on raw QUIC, accepted from clients and offered upstream: 18, 22, or a preference list (default 18,22: offer both, draft-18 preferred; a client offering both gets the first; the browser stays on draft-18 over WebTransport).", valueName: "18|22|18,22"))
    var draft: String = "18,22"
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if MoQTTransportOptions.drafts(argument: draft) == nil { throw ValidationError("--draft must be 18, 22 or a list such as 18,22, not '\(draft)'") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if cacheSeconds < 0 { throw ValidationError("--cache-seconds must not be negative") }
        if !["auto", "always", "never"].contains(retry) { throw ValidationError("--retry must be auto, always or never") }
        if ebpfBurstBytes < 1200 { throw ValidationError("--ebpf-burst-bytes must be at least 1200") }
        if maxConnectionsPerAddress < 0 { throw ValidationError("--max-connections-per-address must not be negative") }
        if maxObjectSize == 0 { throw ValidationError("--max-object-size must be at least 1") }
        if !(setupTimeout > 0) || setupTimeout > 3600 { throw ValidationError("--setup-timeout must be between 0 and 3600 seconds") }
        if subscriberQueueBytes < 16 << 10 { throw ValidationError("--subscriber-queue-bytes must be at least 16384") }
        if !(subscriberQueueDelay > 0) || subscriberQueueDelay > 60 { throw ValidationError("--subscriber-queue-delay must be between 0 and 60 seconds") }
        if maxRequestsPerSession < 0 { throw ValidationError("--max-requests-per-session must not be negative") }
        if maxSubscriptionsPerSession < 0 { throw ValidationError("--max-subscriptions-per-session must not be negative") }
        if !(slowSubscriberTimeout >= 0) || slowSubscriberTimeout > 3600 { throw ValidationError("--slow-subscriber-timeout must be between 0 and 3600 seconds") }
    }

    func run() async throws {
        // The relay's own lines (sessions opened and closed, requests, fast-path events) are
        // informational: --log-level notice or above silences them; errors still end the run loudly.
        let verbose = try logging.level() <= .info
        let log: @Sendable (String) -> Void = { line in if verbose { printError(line) } }
        if let upstream, RelayRunner.parseUpstream(upstream) == nil {
            throw CLIError.usage("bad --upstream URL '\(upstream)' (expected moqt://HOST:PORT)")
        }
        if upstreamToken != nil && upstream == nil { throw CLIError.usage("--upstream-token needs --upstream") }
        var authorization = RelayAuthorization()
        do {
            if let publishToken { authorization.tokens[.publish] = try RelayAuthorization.loadTokens(path: publishToken, flag: "--publish-token") }
            if let subscribeToken { authorization.tokens[.subscribe] = try RelayAuthorization.loadTokens(path: subscribeToken, flag: "--subscribe-token") }
        } catch {
            throw CLIError.usage("\(error)")
        }
        let upstreamTokenValue: [UInt8]?
        do { upstreamTokenValue = try upstreamToken.map { try RelayAuthorization.loadTokens(path: $0, flag: "--upstream-token")[0] } } catch {
            throw CLIError.usage("\(error)")
        }
        let metricsSetup = try metrics.map(MetricsSetup.init(address:))
        guard let address = RelayRunner.parseAddress(listen) else { throw CLIError.usage("bad --listen address '\(listen)'") }
        var options = RelayRunner.Options(host: address.host, port: address.port, certificateFile: cert, keyFile: key,
                                          cache: TrackCache.Configuration(cacheSeconds: cacheSeconds, cacheBytes: cacheBytes),
                                          statsFile: stats)
        options.session.maxObjectSize = maxObjectSize
        options.session.setupTimeout = UInt64(setupTimeout * 1_000_000)
        options.session.maxPeerRequests = maxRequestsPerSession == 0 ? nil : maxRequestsPerSession
        options.session.maxPeerSubscriptions = maxSubscriptionsPerSession == 0 ? nil : maxSubscriptionsPerSession
        options.slowSubscriberTimeout = slowSubscriberTimeout == 0 ? nil : slowSubscriberTimeout
        options.queue = SubscriberQueue.Configuration(maxBytes: subscriberQueueBytes, maxDelay: subscriberQueueDelay)
        MoQTEndpoint.transportOptions.idleTimeout = idle.idleTimeout
        MoQTEndpoint.transportOptions.drafts = MoQTTransportOptions.drafts(argument: draft) ?? MoQTEndpoint.transportOptions.drafts
        MoQTEndpoint.transportOptions.requiresRetry = retry == "always"
        MoQTEndpoint.transportOptions.maxConnectionsPerAddress = maxConnectionsPerAddress == 0 ? nil : maxConnectionsPerAddress
        MoQTEndpoint.transportOptions.retryAboveHalfOpen = retry == "auto" ? 128 : nil
        MoQTEndpoint.transportOptions.ackFrequency = ackFrequency
        if allowCleartext {
            MoQTEndpoint.transportOptions.allowCleartext = true
            printError("moq-relay: WARNING --allow-cleartext: subscribers started with --allow-cleartext get UNENCRYPTED 1-RTT packets")
        }
        if ebpf {
            options.fastPath = try EBPFSetup.start(objectPath: ebpfObject, interfaces: ebpfIfaces, sentLog: !ebpfSentRecords, log: log)
            options.fastPath?.burstAllowance = ebpfBurstBytes
            options.fastPath?.budgetSyncIntervalNanoseconds = UInt64(max(0, ebpfBudgetSyncMs)) * 1_000_000
            if ebpfEncrypted {
                options.fastPath?.encrypted = true
                options.fastPath?.forcedKeyUpdateNanoseconds = UInt64(max(0, ebpfKeyUpdateMs)) * 1_000_000
                MoQTEndpoint.transportOptions.preferChaCha20 = true
            }
        } else if ebpfIfaces != nil || ebpfObject != nil {
            throw CLIError.usage("--ebpf-ifaces and --ebpf-object need --ebpf")
        }
        defer { options.fastPath?.shutdown() }
        options.upstream = upstream
        options.authorization = authorization
        options.upstreamToken = upstreamTokenValue
        options.prepare = metricsSetup.map { setup in { try await setup.start($0) } }
        options.webTransport = !noWebtransport && !ebpf
        let player = try PlayerSetup(address: http, webRoot: webRoot, webTransport: options.webTransport)
        options.onListening = player.map { p in { port, hash in try await p.start(relayPort: port, certificateSHA256: hash) } }

        try await RelayRunner.run(options: options, log: log)
        await metricsSetup?.stop()
        await player?.stop()
    }

    static func main() async { await runCommand(Self.self) }
}
