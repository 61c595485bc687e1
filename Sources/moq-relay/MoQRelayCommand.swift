import ArgumentParser
import CLIKit
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

            Example:
              moq-relay --listen 0.0.0.0:4443 --stats relay.json
            """
    )

    @Option(help: "UDP address to listen on.") var listen: String = "0.0.0.0:4443"
    @Option(help: "PEM certificate (self-signed one generated when omitted).") var cert: String?
    @Option(help: "PEM private key.") var key: String?
    @Option(help: "Relay to subscribe from (relay chaining), moqt://HOST:PORT.") var upstream: String?
    @Option(help: "Seconds of every track to cache.") var cacheSeconds: Double = 10
    @Option(help: "Byte bound of the cache.") var cacheBytes: Int = 256 << 20
    @Flag(help: "Forward media packets in the kernel with TC eBPF (root).") var ebpf = false
    @Option(help: "Interfaces for the eBPF programs, comma-separated (auto-detected by default).") var ebpfIfaces: String?
    @Option(help: "Write a JSON stats document here on exit and on SIGUSR1.") var stats: String?
    @Option(help: "Serve Prometheus metrics on this address.") var metrics: String?
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if cacheSeconds < 0 { throw ValidationError("--cache-seconds must not be negative") }
    }

    func run() async throws {
        _ = try logging.level()
        if ebpf { throw CLIError.notImplemented("ebpf") }
        if let upstream, RelayRunner.parseUpstream(upstream) == nil {
            throw CLIError.usage("bad --upstream URL '\(upstream)' (expected moqt://HOST:PORT)")
        }
        if metrics != nil { throw CLIError.notImplemented("metrics") }
        guard let address = RelayRunner.parseAddress(listen) else { throw CLIError.usage("bad --listen address '\(listen)'") }
        var options = RelayRunner.Options(host: address.host, port: address.port, certificateFile: cert, keyFile: key,
                                          cache: TrackCache.Configuration(cacheSeconds: cacheSeconds, cacheBytes: cacheBytes),
                                          statsFile: stats)
        options.upstream = upstream
        try await RelayRunner.run(options: options, log: { printError($0) })
    }

    static func main() async { await runCommand(Self.self) }
}
