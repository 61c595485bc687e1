import Relay
import RelayMetrics
import XCTest

final class MetricsHTTPServerTests: XCTestCase {
    private var server: MetricsHTTPServer?

    override func tearDown() async throws {
        await server?.close()
        server = nil
    }

    private func start() async throws -> MetricsHTTPServer {
        var stats = RelayStats()
        stats.objectsIn = 42
        stats.sessions = 2
        let snapshot = stats
        let exporter = RelayMetricsExporter(snapshot: { snapshot })
        let s = try await MetricsHTTPServer.start(host: "127.0.0.1", port: 0, exporter: exporter)
        server = s
        XCTAssertGreaterThan(s.port, 0)
        return s
    }

    /// Splits one HTTP response into status line, headers (lower-cased names) and body.
    private func parse(_ response: Substring) -> (status: String, headers: [String: String], body: String) {
        let parts = response.components(separatedBy: "\r\n\r\n")
        let head = parts[0].components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return (head[0], headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    func testGetMetricsAnswersExpositionText() async throws {
        let s = try await start()
        let raw = try await RawHTTPClient.exchange(port: s.port, request: "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let r = parse(Substring(raw))
        XCTAssertEqual(r.status, "HTTP/1.1 200 OK")
        XCTAssertEqual(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertEqual(r.headers["content-length"], "\(r.body.utf8.count)")
        let e = try Exposition(r.body)
        XCTAssertEqual(e.value("moq_relay_objects_in_total"), 42)
        XCTAssertEqual(e.value("moq_relay_sessions"), 2)
        XCTAssertEqual(e.types["moq_relay_queue_delay_seconds"], "histogram")
    }

    func testOtherPathsAre404AndOtherMethods405() async throws {
        let s = try await start()
        for path in ["/", "/metricsx", "/foo/metrics"] {
            let raw = try await RawHTTPClient.exchange(port: s.port, request: "GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            XCTAssertEqual(parse(Substring(raw)).status, "HTTP/1.1 404 Not Found", path)
        }
        let query = try await RawHTTPClient.exchange(port: s.port, request: "GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(parse(Substring(query)).status, "HTTP/1.1 200 OK")
        let post = try await RawHTTPClient.exchange(
            port: s.port, request: "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
        let r = parse(Substring(post))
        XCTAssertEqual(r.status, "HTTP/1.1 405 Method Not Allowed")
        XCTAssertEqual(r.headers["allow"], "GET, HEAD")
    }

    func testKeepAliveServesPipelinedRequestsInOrder() async throws {
        let s = try await start()
        let raw = try await RawHTTPClient.exchange(
            port: s.port,
            request: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\nGET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        // Exposition lines end in "\n", header lines in "\r\n".
        let statuses = raw.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n")
            .filter { $0.hasPrefix("HTTP/1.1 ") }.map(String.init)
        XCTAssertEqual(statuses, ["HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 OK"])
    }

    func testGarbageRequestGets400AndServerKeepsServing() async throws {
        let s = try await start()
        let bad = try await RawHTTPClient.exchange(port: s.port, request: "\u{1}\u{2} not http at all\r\n\r\n")
        XCTAssertTrue(bad.isEmpty || bad.hasPrefix("HTTP/1.1 400"), bad)
        let raw = try await RawHTTPClient.exchange(port: s.port, request: "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(parse(Substring(raw)).status, "HTTP/1.1 200 OK")
    }

    func testBindingABusyPortFails() async throws {
        let s = try await start()
        let exporter = RelayMetricsExporter(snapshot: { RelayStats() })
        do {
            let second = try await MetricsHTTPServer.start(host: "127.0.0.1", port: s.port, exporter: exporter)
            await second.close()
            XCTFail("a second server bound the same port")
        } catch {}
    }
}
