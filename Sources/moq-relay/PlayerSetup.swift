import CLIKit
import Foundation
import NIOConcurrencyHelpers
import PlayerHTTP
import QUICTLS
import Relay

/// `moq-relay --http`: the web player's HTTP server, started once the relay listens (it tells the
/// page the relay's UDP port and certificate hash).
final class PlayerSetup: Sendable {
    let host: String
    let port: Int
    let webRoot: String
    private let server = NIOLockedValueBox<PlayerHTTPServer?>(nil)

    init?(address: String?, webRoot explicit: String?, webTransport: Bool) throws {
        guard let address else {
            if explicit != nil { throw CLIError.usage("--web-root needs --http") }
            return nil
        }
        guard webTransport else { throw CLIError.usage("--http needs WebTransport (not with --no-webtransport or --ebpf)") }
        guard let parsed = RelayRunner.parseAddress(address) else { throw CLIError.usage("bad --http address '\(address)'") }
        guard let root = PlayerHTTPServer.locateWebRoot(explicit: explicit) else {
            throw CLIError.usage("no web player found (index.html and player.js)\(explicit.map { " in \($0)" } ?? "; give --web-root DIR")")
        }
        host = parsed.host
        port = parsed.port
        webRoot = root
    }

    func start(relayPort: Int, certificateSHA256: [UInt8]?) async throws {
        var config: [String: Any] = ["port": relayPort, "path": "/moq", "protocol": "moqt-18"]
        if let h = certificateSHA256 { config["certificateHash"] = CertificateFingerprint.hex(h) }
        let assets = try PlayerHTTPServer.assets(directory: webRoot, config: config)
        let s = try await PlayerHTTPServer.start(host: host, port: port, assets: assets)
        server.withLockedValue { $0 = s }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        printError("moq-relay: web player on http://\(shownHost):\(s.port)/ (WebTransport to UDP port \(relayPort))")
        print("HTTP \(s.port)")
        fflush(stdout)
    }

    func stop() async {
        let s = server.withLockedValue { v -> PlayerHTTPServer? in defer { v = nil }; return v }
        await s?.close()
    }
}
