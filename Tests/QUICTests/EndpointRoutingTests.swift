import NetSim
import XCTest
@testable import QUIC

/// What the endpoint tells its I/O layer so that only the connections concerned are processed:
/// which connection a datagram went to, and whose timers fired.
final class EndpointRoutingTests: XCTestCase {
    func testHandleReturnsTheConnectionTheDatagramWentTo() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone && (pair.clientConnection?.handshakeConfirmed ?? false) })
        let client = try XCTUnwrap(pair.clientConnection)
        let id = try client.openStream(bidirectional: false)
        _ = try client.write(streamID: id, data: Array(repeating: UInt8(7), count: 100))
        let datagram = try XCTUnwrap(pair.client.pollTransmit(now: pair.simulator.now))
        let routed = pair.server.handle(datagram: datagram.bytes, from: pair.clientAddress, now: pair.simulator.now)
        XCTAssertNotNil(pair.serverHandle)
        XCTAssertEqual(routed, pair.serverHandle)
        // A short-header packet for no known connection ID goes to no connection.
        var stray = datagram.bytes
        for i in 1...8 { stray[i] ^= 0xff }
        XCTAssertNil(pair.server.handle(datagram: stray, from: pair.clientAddress, now: pair.simulator.now))
    }

    func testFireTimersReturnsOnlyTheConnectionsWhoseTimerFired() throws {
        let pair = SimulatedPair()
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let deadline = try XCTUnwrap(pair.server.connection(try XCTUnwrap(pair.serverHandle))?.nextTimeout)
        XCTAssertEqual(pair.server.fireTimers(now: QUICTime(nanoseconds: deadline.nanoseconds - 1)), [])
        XCTAssertEqual(pair.server.fireTimers(now: deadline), [pair.serverHandle])
    }
}
