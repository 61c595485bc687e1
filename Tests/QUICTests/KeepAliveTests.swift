import NetSim
import XCTest
@testable import QUIC

/// Keep-alive PINGs (RFC 9000 §10.1.2): a quiet connection outlives its idle timeout; a peer that
/// stopped answering does not.
final class KeepAliveTests: XCTestCase {
    private func closed(_ events: [ConnectionEvent]) -> Bool {
        events.contains { if case .connectionClosed = $0 { return true }; return false }
    }

    func testQuietConnectionWithKeepAliveOutlivesTenIdleTimeouts() throws {
        var config = ConnectionConfiguration()
        config.maxIdleTimeout = .milliseconds(1000)
        var client = config
        client.keepAlive = true
        let pair = SimulatedPair(configuration: config, clientConfiguration: client)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        // Nothing to send for 10 idle timeouts: only the client's PINGs (and the server's ACKs) flow.
        XCTAssertFalse(pair.run(seconds: 10) { self.closed(pair.clientEvents) || self.closed(pair.serverEvents) },
                       "closed: \(pair.clientEvents) \(pair.serverEvents)")
        XCTAssertTrue(pair.clientConnection?.isEstablished ?? false)
        XCTAssertTrue(pair.serverConnection?.isEstablished ?? false)
        // About one PING per third of the idle timeout: 30 in 10 s, not a flood.
        let sent = pair.clientConnection?.stats.packetsSent ?? 0
        XCTAssertGreaterThan(sent, 20)
        XCTAssertLessThan(sent, 80)
    }

    func testWithoutKeepAliveTheSameConnectionTimesOut() throws {
        var config = ConnectionConfiguration()
        config.maxIdleTimeout = .milliseconds(1000)
        let pair = SimulatedPair(configuration: config)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        XCTAssertTrue(pair.run(seconds: 10) { pair.clientEvents.contains(.connectionClosed(.idleTimeout)) })
    }

    func testKeepAliveDoesNotHoldADeadPeer() throws {
        var config = ConnectionConfiguration()
        config.maxIdleTimeout = .milliseconds(1000)
        config.keepAlive = true
        let pair = SimulatedPair(configuration: config)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        XCTAssertTrue(pair.run(seconds: 1) { pair.clientConnection?.handshakeConfirmed ?? false })
        // The server vanishes: nothing reaches the client any more.
        pair.simulator.setLink(from: pair.serverAddress, to: pair.clientAddress, LinkConfiguration(lossRate: 1))
        let start = pair.simulator.now
        XCTAssertTrue(pair.run(seconds: 10) { pair.clientEvents.contains(.connectionClosed(.idleTimeout)) }, "\(pair.clientEvents)")
        XCTAssertLessThan(pair.simulator.now - start, .milliseconds(2500))
    }

    func testKeepAliveCanBeSwitchedOnLater() throws {
        var config = ConnectionConfiguration()
        config.maxIdleTimeout = .milliseconds(1000)
        let pair = SimulatedPair(configuration: config)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        pair.clientConnection?.keepAlive = true
        XCTAssertFalse(pair.run(seconds: 5) { self.closed(pair.clientEvents) || self.closed(pair.serverEvents) })
    }
}
