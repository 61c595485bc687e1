import XCTest
import MoQTNet
import QUICIO
import QUICTLS

/// A server endpoint that accepts sessions for days must let go of each one once its connection is
/// gone: nothing (an unread stream of accepted connections, a list of every session ever accepted)
/// may keep a closed session, its QUIC connection or its TLS state alive. Each such connection
/// used to stay behind (about 44 kB per connection in a running relay).
final class SessionReleaseTests: XCTestCase {
    final class Weak { weak var object: AnyObject?; init(_ o: AnyObject) { object = o } }

    func testClosedSessionsAndTheirConnectionsAreFreed() async throws {
        let cert = try SelfSignedCertificate.generate(commonName: "localhost")
        let server = try await MoQTEndpoint.server(host: "127.0.0.1", port: 0, certificateChain: .pem(cert.certificatePEM),
                                                   privateKey: .pem(cert.privateKeyPEM), handler: nil)
        let port = try XCTUnwrap(server.quic.localAddress?.port)
        let client = try await MoQTEndpoint.client()
        var accepted: [Weak] = []
        for _ in 0..<20 {
            let session = try await client.connect(url: "moqt://127.0.0.1:\(port)", insecure: true, handler: nil)
            for await s in server.incomingSessionsSoFar() where !accepted.contains(where: { $0.object === s }) {
                accepted.append(Weak(s))
                accepted.append(Weak(s.quic))
            }
            await session.close()
        }
        XCTAssertEqual(accepted.count, 40, "every session was seen by the server")
        // Closing and draining periods (3 PTO each) end within a second on loopback.
        let deadline = Date().addingTimeInterval(10)
        var alive = accepted.count
        while Date() < deadline {
            alive = accepted.filter { $0.object != nil }.count
            var live = 0
            for await _ in server.incomingSessionsSoFar() { live += 1 }
            if alive == 0 && live == 0 { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTAssertEqual(alive, 0, "\(alive) closed sessions or connections still alive on the server (leak)")
        await client.close()
        await server.close()
    }

    /// An application may still hold a session whose connection closed and was removed from its
    /// endpoint, and close it: that must be a no-op, not a use of a freed connection (a subscriber
    /// whose relay went away used to crash here).
    func testASessionOutlivingItsRemovedConnectionCanStillBeClosed() async throws {
        let cert = try SelfSignedCertificate.generate(commonName: "localhost")
        let server = try await MoQTEndpoint.server(host: "127.0.0.1", port: 0, certificateChain: .pem(cert.certificatePEM),
                                                   privateKey: .pem(cert.privateKeyPEM), handler: nil)
        let port = try XCTUnwrap(server.quic.localAddress?.port)
        let client = try await MoQTEndpoint.client()
        let session = try await client.connect(url: "moqt://127.0.0.1:\(port)", insecure: true, handler: nil)
        weak var connection = session.quic
        await server.close()  // the server closes every connection: the client's drains and is removed
        await session.waitUntilClosed()
        try await Task.sleep(nanoseconds: 1_500_000_000)  // past the draining period (3 PTO on loopback)
        XCTAssertNotNil(connection, "the session keeps its connection object")
        await session.close()
        await session.close(code: .internalError, reason: "again")
        XCTAssertNotNil(session.closeInfo)
        await client.close()
    }
}
