import XCTest
import NetSim
@testable import QUIC

/// One server endpoint serving 1000 short-lived connections (in waves of 20) through the network
/// simulator: each handshakes, sends a small request on a uni stream, gets it read, and closes.
/// Afterwards both endpoints hold no connection, no routing entry and no pending timer, and every
/// Connection object has been freed (weak references are nil): the churn leaks nothing.
final class EndpointChurnTests: XCTestCase {
    func testThousandShortLivedConnectionsLeaveNothingBehind() throws {
        let simulator = NetworkSimulator(seed: 77)
        let clientAddress = QUICPeerAddress.ipv4(10, 9, 0, 1, port: 5000)
        let serverAddress = QUICPeerAddress.ipv4(10, 9, 0, 2, port: 4433)
        var clientConfig = EndpointConfiguration()
        clientConfig.connection.randomSeed = 701
        clientConfig.connection.maxIdleTimeout = .milliseconds(2_000)
        let client = Endpoint(configuration: clientConfig)
        var serverConfig = EndpointConfiguration()
        serverConfig.connection.randomSeed = 702
        serverConfig.connection.maxIdleTimeout = .milliseconds(2_000)
        serverConfig.acceptsIncoming = true
        // Every client comes from one address in waves of 20: a limit of 25 per address only holds if
        // closed connections are taken off the count.
        serverConfig.maxConnectionsPerAddress = 25
        let server = Endpoint(configuration: serverConfig, serverTLSFactory: { tp in
            LoopbackTestTLS(role: .server, localTransportParameters: tp)
        })
        simulator.add(client, at: clientAddress)
        simulator.add(server, at: serverAddress)
        let link = LinkConfiguration(delay: .milliseconds(2), lossRate: 0.01)
        simulator.setLink(from: clientAddress, to: serverAddress, link)
        simulator.setLink(from: serverAddress, to: clientAddress, link)

        final class Weak { weak var connection: Connection?; init(_ c: Connection) { connection = c } }
        var everyConnection: [Weak] = []
        var requestsRead = 0
        var serverConnections: [Connection] = []
        let request = Array(repeating: UInt8(0x42), count: 300)

        simulator.onStep = { now in
            while let e = server.pollEvent() {
                if case .incomingConnection(let h) = e, let c = server.connection(h) {
                    serverConnections.append(c)
                    everyConnection.append(Weak(c))
                }
            }
            while client.pollEvent() != nil {}
            // The server reads each request to its FIN, then closes the connection.
            for c in serverConnections {
                while let e = c.pollEvent() {
                    if case .streamFinished(let id) = e, let r = try? c.read(streamID: id), r.isFinished {
                        requestsRead += 1
                        c.close(applicationErrorCode: 0, reason: "done", now: now)
                    } else if case .streamOpened(let id) = e, let r = try? c.read(streamID: id), r.isFinished {
                        requestsRead += 1
                        c.close(applicationErrorCode: 0, reason: "done", now: now)
                    }
                }
            }
            serverConnections.removeAll { $0.isClosed }
        }

        let waves = 50, perWave = 20
        for wave in 0..<waves {
            var clients: [Connection] = []
            for _ in 0..<perWave {
                let h = try client.connect(to: serverAddress, tlsFactory: { tp in LoopbackTestTLS(role: .client, localTransportParameters: tp) },
                                           now: simulator.now)
                let c = try XCTUnwrap(client.connection(h))
                clients.append(c)
                everyConnection.append(Weak(c))
            }
            var sent = Set<ObjectIdentifier>()
            let target = (wave + 1) * perWave
            let done = simulator.run(timeLimit: .seconds(30)) {
                for c in clients where !sent.contains(ObjectIdentifier(c)) {
                    while let e = c.pollEvent() {
                        if case .handshakeCompleted = e, let id = try? c.openStream(bidirectional: false) {
                            _ = try? c.write(streamID: id, data: request)
                            try? c.finish(streamID: id)
                            sent.insert(ObjectIdentifier(c))
                        }
                    }
                }
                return requestsRead >= target
            }
            XCTAssertTrue(done, "wave \(wave): \(requestsRead) of \(target) requests read")
            clients.removeAll()
        }
        XCTAssertEqual(requestsRead, waves * perWave)
        // Let closing and draining periods (3 PTO) and the clients' close handling run out.
        simulator.run(timeLimit: .seconds(20)) { client.connectionHandles.isEmpty && server.connectionHandles.isEmpty }
        serverConnections.removeAll()
        XCTAssertTrue(client.connectionHandles.isEmpty, "\(client.connectionHandles.count) client connections left")
        XCTAssertTrue(server.connectionHandles.isEmpty, "\(server.connectionHandles.count) server connections left")
        XCTAssertEqual(server.routingEntryCount, 0)
        XCTAssertEqual(client.routingEntryCount, 0)
        XCTAssertNil(server.nextTimeout)
        XCTAssertNil(client.nextTimeout)
        XCTAssertEqual(everyConnection.count, 2 * waves * perWave)
        let alive = everyConnection.filter { $0.connection != nil }.count
        XCTAssertEqual(alive, 0, "\(alive) Connection objects still alive (leak)")
    }
}
