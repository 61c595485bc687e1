// quic-interop: our QUIC endpoint following the quic-interop-runner conventions.
// Environment: ROLE=client|server, TESTCASE, REQUESTS (space-separated URLs), WWW, DOWNLOADS,
// CERTS (cert.pem, priv.key), PORT (server, default 443), HOST (server bind address, default 0.0.0.0),
// SSLKEYLOGFILE, QLOGDIR. ALPN hq-interop (HTTP/0.9). Exit 127 for an unsupported test case.
// The server prints "READY <port>" once it listens.
import Foundation
import Logging
import QUIC
import QUICIO
import QUICTLS

let environment = ProcessInfo.processInfo.environment
let supportedCases: Set<String> = ["handshake", "transfer", "chacha20", "multiplexing"]

func fail(_ message: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write("quic-interop: \(message)\n".data(using: .utf8)!)
    exit(code)
}

let role = environment["ROLE"] ?? ""
let testcase = environment["TESTCASE"] ?? ""
guard supportedCases.contains(testcase) else { fail("unsupported test case '\(testcase)'", code: 127) }

let alpn = "hq-interop"
let cipherSuites: [CipherSuite]? = testcase == "chacha20" ? [.chacha20Poly1305SHA256] : nil

func connectionConfiguration() -> ConnectionConfiguration {
    var c = ConnectionConfiguration()
    c.initialMaxStreamsBidi = testcase == "multiplexing" ? 1000 : 100
    c.maxIdleTimeout = .milliseconds(30_000)
    return c
}

/// Serves `GET /path` requests from `www` on every bidirectional stream of every connection.
func runServer() async throws {
    let certs = environment["CERTS"] ?? "/certs"
    let www = environment["WWW"] ?? "/www"
    let port = Int(environment["PORT"] ?? "443") ?? 443
    let host = environment["HOST"] ?? "0.0.0.0"
    var tls = TLSConfiguration.server(alpnProtocols: [alpn], certificateChain: .file(path: "\(certs)/cert.pem"),
                                      privateKey: .file(path: "\(certs)/priv.key"))
    tls.cipherSuites = cipherSuites
    tls.keyLogFile = environment["SSLKEYLOGFILE"]
    var config = EndpointConfiguration()
    config.connection = connectionConfiguration()
    config.acceptsIncoming = true
    let endpoint = try await QUICEndpoint.bind(host: host, port: port, configuration: config,
                                               serverTLSFactory: { params in try GnuTLSSession(configuration: tls, localTransportParameters: params) })
    print("READY \(endpoint.localAddress?.port ?? port)")
    fflush(stdout)
    for await connection in endpoint.incomingConnections {
        Task {
            await withTaskGroup(of: Void.self) { group in
                for await stream in connection.incomingStreams where stream.isBidirectional {
                    group.addTask { await serve(stream: stream, www: www) }
                }
            }
        }
    }
}

func serve(stream: QUICStream, www: String) async {
    do {
        var request: [UInt8] = []
        while let chunk = try await stream.read() {
            request += chunk
            if request.count > 4096 { break }
        }
        let line = String(decoding: request, as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = line.split(separator: " ")
        guard parts.count >= 2, parts[0] == "GET" else { try await stream.reset(errorCode: 0x10); return }
        let path = String(parts[1]).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let file = URL(fileURLWithPath: www).appendingPathComponent(path).standardizedFileURL
        guard file.path.hasPrefix(URL(fileURLWithPath: www).standardizedFileURL.path),
              let data = FileManager.default.contents(atPath: file.path) else {
            try await stream.reset(errorCode: 0x10)
            return
        }
        try await stream.writeAndFinish([UInt8](data))
    } catch {
        FileHandle.standardError.write("quic-interop: stream \(stream.id): \(error)\n".data(using: .utf8)!)
    }
}

/// Downloads every URL of REQUESTS over one connection into DOWNLOADS.
func runClient() async throws {
    let urls = (environment["REQUESTS"] ?? "").split(separator: " ").compactMap { URL(string: String($0)) }
    guard let first = urls.first, let host = first.host else { fail("REQUESTS is empty or invalid") }
    let downloads = environment["DOWNLOADS"] ?? "/downloads"
    try FileManager.default.createDirectory(atPath: downloads, withIntermediateDirectories: true)
    var tls = TLSConfiguration.client(alpnProtocols: [alpn], serverName: host, verifyPeer: false)
    tls.cipherSuites = cipherSuites
    tls.keyLogFile = environment["SSLKEYLOGFILE"]
    var config = EndpointConfiguration()
    config.connection = connectionConfiguration()
    let endpoint = try await QUICEndpoint.bind(host: host.contains(":") ? "::" : "0.0.0.0", port: 0, configuration: config)
    let connection = try await endpoint.connect(host: host, port: first.port ?? 443, tlsFactory: { params in
        try GnuTLSSession(configuration: tls, localTransportParameters: params)
    })
    try await withThrowingTaskGroup(of: Void.self) { group in
        for url in urls {
            group.addTask {
                let stream = try await connection.openBidiStream()
                try await stream.writeAndFinish(Array("GET \(url.path)\r\n".utf8))
                let body = try await stream.readAll()
                let out = URL(fileURLWithPath: downloads).appendingPathComponent(url.lastPathComponent)
                try Data(body).write(to: out)
            }
        }
        try await group.waitForAll()
    }
    await connection.close(errorCode: 0, reason: "done")
    await endpoint.close()
}

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
let done = DispatchSemaphore(value: 0)
Task {
    do {
        switch role {
        case "server": try await runServer()
        case "client": try await runClient()
        default: fail("ROLE must be client or server")
        }
        exit(0)
    } catch {
        fail("\(error)")
    }
}
done.wait()
