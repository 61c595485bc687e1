import NetSim
import XCTest
@testable import QUIC

final class ConnectionObserverTests: XCTestCase {
    func testObserversSeeCreditConnectionIDsPathsAndCongestion() throws {
        var config = ConnectionConfiguration()
        config.initialMaxData = 64 * 1024
        config.initialMaxStreamData = 32 * 1024
        config.initialMaxStreamsUni = 2
        let pair = SimulatedPair(seed: 23, configuration: config)
        let scenario = TransferScenario(pair: pair, total: 1 << 20, bidirectional: true)
        try pair.connect()
        let client = try XCTUnwrap(pair.clientConnection)
        let clientObserver = RecordingObserver()
        client.observer = clientObserver
        let serverObserver = RecordingObserver()
        XCTAssertTrue(pair.run(seconds: 5) {
            if let server = pair.serverConnection, server.observer == nil { server.observer = serverObserver }
            return scenario.received > 200_000
        })
        let server = try XCTUnwrap(pair.serverConnection)

        // Credit: the transport parameters, then MAX_DATA / MAX_STREAM_DATA updates as the server reads.
        XCTAssertEqual(clientObserver.maxData.first, 64 * 1024)
        XCTAssertGreaterThan(clientObserver.maxData.count, 2)
        XCTAssertEqual(clientObserver.maxData, clientObserver.maxData.sorted(), "credit only grows")
        XCTAssertEqual(clientObserver.maxData.last, client.peerMaxData)
        let id = try XCTUnwrap(scenario.streamID)
        XCTAssertGreaterThan(clientObserver.maxStreamData.filter { $0.0 == id }.count, 2)
        XCTAssertTrue(clientObserver.maxStreams.contains { !$0.0 && $0.1 == 2 })
        // The client learned the server's connection ID from its Initial, and issued its own.
        XCTAssertEqual(clientObserver.peerConnectionIDs.first, client.peerConnectionID)
        XCTAssertEqual(clientObserver.issued.sorted(), [1, 2, 3])
        XCTAssertEqual(Set(client.localConnectionIDs.keys), [0, 1, 2, 3])

        // Opening uni streams up to the limit and reading them raises MAX_STREAMS.
        for _ in 0..<2 {
            let uni = try client.openStream(bidirectional: false)
            try client.write(streamID: uni, data: [1])
            try client.finish(streamID: uni)
        }
        let scenarioStep = pair.application
        pair.application = { pair, now in
            scenarioStep?(pair, now)
            for uni: UInt64 in [2, 6] { _ = try? pair.serverConnection?.read(streamID: uni) }
        }
        XCTAssertTrue(pair.run(seconds: 5) { clientObserver.maxStreams.contains { !$0.0 && $0.1 > 2 } })

        // Rotation: the client's new destination ID is reported; the server sees its old one retired.
        XCTAssertTrue(client.rotatePeerConnectionID())
        XCTAssertEqual(clientObserver.peerConnectionIDs.last, client.peerConnectionID)
        // Migration: the server validates the new path.
        let newAddress = QUICPeerAddress.ipv4(10, 0, 0, 1, port: 6001)
        pair.simulator.move(from: pair.clientAddress, to: newAddress)
        XCTAssertTrue(pair.run(seconds: 60) { scenario.isComplete })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertEqual(serverObserver.retired.count, 1)
        XCTAssertFalse(server.localConnectionIDs.values.contains(serverObserver.retired[0]))
        XCTAssertEqual(serverObserver.validatedPaths, [newAddress])
        // Congestion reports follow the connection's own state.
        XCTAssertGreaterThan(clientObserver.congestion.count, 50)
        XCTAssertTrue(pair.run(seconds: 5) { client.bytesInFlight == 0 })
        XCTAssertEqual(clientObserver.congestion.last?.inFlight, 0)
        XCTAssertEqual(clientObserver.congestion.last?.window, client.congestionWindow)
    }
}
