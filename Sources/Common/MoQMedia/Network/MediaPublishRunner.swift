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
        case relay(url: String, insecure: Bool)
        case listen(host: String, port: Int, certificateFile: String?, keyFile: String?)
    }

    /// Splits `HOST:PORT` (or `[V6]:PORT`, or `HOST` with port 4443).
    public static func parseAddress(_ address: String) -> (host: String, port: Int)? {
        MoQTEndpoint.parse(url: "moqt://" + address)
    }

    /// Publishes until the clip ends (forever with `loop`). `log` receives progress lines.
    public static func run(file: String, options: MediaPublisherOptions, target: Target,
                           log: @escaping @Sendable (String) -> Void) async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let publisher = try MediaPublisher(file: file, options: options, eventLoop: loop)
        publisher.progress = log
        switch target {
        case .relay(let url, let insecure):
            let endpoint = try await MoQTEndpoint.client(group: loop)
            let connection = try await endpoint.connect(url: url, insecure: insecure, handler: publisher)
            log("moq-pub: connected to \(url)")
            try await publisher.announce(on: connection)
            log("moq-pub: announced \(options.namespace.joined(separator: "/")), track \(options.trackName)")
            await publisher.waitUntilDone()
            await connection.waitUntilDrained()
            await connection.close()
            await endpoint.close()
        case .listen(let host, let port, let certificateFile, let keyFile):
            let chain: PEMSource, key: PEMSource
            if let certificateFile, let keyFile {
                chain = .file(path: certificateFile)
                key = .file(path: keyFile)
            } else {
                let generated = try SelfSignedCertificate.generate(commonName: "moq-pub")
                chain = .pem(generated.certificatePEM)
                key = .pem(generated.privateKeyPEM)
            }
            let endpoint = try await MoQTEndpoint.server(host: host, port: port, certificateChain: chain, privateKey: key,
                                                         handler: publisher, group: loop)
            log("moq-pub: listening on \(endpoint.quic.localAddress.map { "\($0)" } ?? "\(host):\(port)")")
            printReady(port: endpoint.quic.localAddress?.port ?? port)
            if !options.waitForSubscriber { await publisher.startNow() }
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
