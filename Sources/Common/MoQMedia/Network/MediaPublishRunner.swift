import Foundation
import Media
import MoQT
import MoQTNet
import NIOCore
import NIOPosix
import QUICTLS

/// moq-pub's network entry point: publishes a file to a relay (`--relay`) or to subscribers that
/// connect directly (`--listen`).
public enum MediaPublishRunner {
    /// Where to publish.
    public enum Target: Sendable {
        /// `reconnect`: when the session is lost (or cannot be made), connect again with backoff
        /// and announce again, publishing on where the clip is; otherwise a lost session is an error.
        case relay(url: String, insecure: Bool, reconnect: Bool = false)
        case listen(host: String, port: Int, certificateFile: String?, keyFile: String?)
    }

    /// Splits `HOST:PORT` (or `[V6]:PORT`, or `HOST` with port 4443).
    public static func parseAddress(_ address: String) -> (host: String, port: Int)? {
        MoQTEndpoint.parse(url: "moqt://" + address)
    }

    /// Publishes until the clip ends (forever with `loop`). `log` receives progress lines.
    public static func run(file: String, options: MediaPublisherOptions, target: Target,
                           log: @escaping @Sendable (String) -> Void) async throws {
        try await run(input: .file(file), options: options, target: target, log: log)
    }

    /// Publishes `input` until it ends (a file: forever with `loop`; live input: when the input
    /// does). `log` receives progress lines.
    public static func run(input: MediaInput, options: MediaPublisherOptions, target: Target,
                           log: @escaping @Sendable (String) -> Void) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let publisher = try MediaPublisher(input: input, options: options, eventLoop: loop)
        publisher.progress = log
        switch target {
        case .relay(let url, let insecure, let reconnect):
            let endpoint = try await MoQTEndpoint.client(group: loop)
            var backoff = Backoff()
            while true {
                let connection: MoQTConnection
                do {
                    connection = try await endpoint.connect(url: url, insecure: insecure, handler: publisher)
                    log("moq-pub: connected to \(url)")
                    try await publisher.announce(on: connection)
                } catch {
                    guard reconnect else { await endpoint.close(); throw error }
                    let delay = backoff.next()
                    log("moq-pub: cannot publish at \(url) (\(error)); retrying in \(Backoff.format(delay))")
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    continue
                }
                backoff.reset()
                log("moq-pub: announced \(options.namespace.joined(separator: "/")), track \(options.trackName)")
                switch await publisher.waitUntilDone(or: connection) {
                case .done:
                    await connection.waitUntilDrained()
                    await connection.close()
                    await endpoint.close()
                    return
                case .sessionClosed(let why):
                    guard reconnect else {
                        await endpoint.close()
                        throw MediaPublishError.sessionLost(url: url, reason: why)
                    }
                    let delay = backoff.next()
                    log("moq-pub: session to \(url) lost (\(why)); reconnecting in \(Backoff.format(delay))")
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                }
            }
        case .listen(let host, let port, let certificateFile, let keyFile):
            let chain: PEMSource, key: PEMSource
            let certificatePEM: String?
            if let certificateFile, let keyFile {
                chain = .file(path: certificateFile)
                key = .file(path: keyFile)
                certificatePEM = try? String(contentsOfFile: certificateFile, encoding: .utf8)
            } else {
                // Browsers pin it by hash (serverCertificateHashes): ECDSA P-256, at most 14 days.
                let generated = try SelfSignedCertificate.generate(commonName: "moq-pub", subjectAlternativeNames: ["localhost", "127.0.0.1", "::1"],
                                                                   validityDays: 13)
                chain = .pem(generated.certificatePEM)
                key = .pem(generated.privateKeyPEM)
                certificatePEM = generated.certificatePEM
            }
            // Browsers subscribe over WebTransport (ALPN h3) on the same port (docs/WEBTRANSPORT.md).
            let endpoint = try await MoQTEndpoint.server(host: host, port: port, certificateChain: chain, privateKey: key,
                                                         handler: publisher, group: loop, webTransport: true, webTransportLog: log)
            log("moq-pub: listening on \(endpoint.quic.localAddress.map { "\($0)" } ?? "\(host):\(port)")")
            if let hash = certificatePEM.flatMap(CertificateFingerprint.sha256(pem:)) {
                log("moq-pub: WebTransport (h3) on the same port; certificate sha-256 \(CertificateFingerprint.hex(hash))")
            }
            printReady(port: endpoint.quic.localAddress?.port ?? port)
            if !options.waitForSubscriber || publisher.isLive { await publisher.startNow() }
            await publisher.waitUntilDone()
            // Let subscribers receive the tail and PUBLISH_DONE before the process exits.
            var sessions: [MoQTConnection] = []
            for await s in endpoint.incomingSessionsSoFar() { sessions.append(s) }
            for s in sessions { await s.waitUntilDrained() }
            try? await Task.sleep(nanoseconds: 200_000_000)
            await endpoint.close()
        }
    }

    /// The line scripts wait for before starting subscribers.
    static func printReady(port: Int) {
        print("READY \(port)")
        fflush(stdout)
    }
}

/// How publishing to a relay failed after it started.
public enum MediaPublishError: Error, CustomStringConvertible {
    /// The session to the relay ended before the clip did.
    case sessionLost(url: String, reason: String)
    /// The relay answered a request with REQUEST_ERROR (e.g. UNAUTHORIZED: wrong or missing --token).
    case refused(request: String, code: RequestErrorCode, reason: String)

    public var description: String {
        switch self {
        case .sessionLost(let url, let reason): return "session to \(url) lost: \(reason)"
        case .refused(let request, let code, let reason):
            let hint = code == .unauthorized ? " (--token / --token-file)" : ""
            return "\(request) refused by the relay: \(code)\(reason.isEmpty ? "" : ": \(reason)")\(hint)"
        }
    }
}
