import CLIKit
import Relay
import RelayMetrics

/// `--metrics ADDR`: serves the relay's Prometheus metrics on `ADDR` (`HOST:PORT`) while it runs.
final class MetricsSetup: @unchecked Sendable {
    private let host: String
    private let port: Int
    private var server: MetricsHTTPServer?

    /// Checks the address (a bad one is a usage error, exit 2).
    init(address: String) throws {
        // The port is required (parseAddress alone would default it).
        let explicitPort = address.contains(":") && address.split(separator: ":").last.flatMap { Int($0) } != nil
        guard explicitPort, let parsed = RelayRunner.parseAddress(address) else {
            throw CLIError.usage("bad --metrics address '\(address)' (expected HOST:PORT)")
        }
        host = parsed.host
        port = parsed.port
    }

    /// Attaches the exporter to `relay` and starts the HTTP server (before the relay listens).
    func start(_ relay: RelayServer) async throws {
        let exporter = RelayMetricsExporter(snapshot: { await relay.currentStats() })
        relay.onQueueDelay = { exporter.recordQueueDelay(seconds: $0) }
        do {
            server = try await MetricsHTTPServer.start(host: host, port: port, exporter: exporter)
        } catch {
            throw CLIError.runtime("cannot serve metrics on \(host):\(port): \(error)")
        }
        printError("moq-relay: metrics on http://\(host):\(server?.port ?? port)/metrics")
    }

    /// Stops the HTTP server.
    func stop() async { await server?.close() }
}
