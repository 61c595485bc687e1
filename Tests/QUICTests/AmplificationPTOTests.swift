import QUIC
import XCTest

/// A server whose first flight was lost and whose PTO probes used up the anti-amplification allowance has its
/// PTO timer disarmed (RFC 9002 §6.2.2.1). The client's ACK lifts the limit and must re-arm the
/// timer (RFC 9002 §A.6), or the server waits for the client's backed-off PTO, which against aioquic
/// over a lossy link took 11 s (and can exceed a 30 s idle timeout).
final class AmplificationPTOTests: XCTestCase {
    func testServerRearmsPTOWhenAClientDatagramLiftsTheAmplificationLimit() throws {
        let pair = SimulatedPair(tls: .gnutls)
        try pair.connect()
        var now = pair.simulator.now
        func drain(_ endpoint: Endpoint) -> [OutgoingDatagram] {
            var out: [OutgoingDatagram] = []
            while let d = endpoint.pollTransmit(now: now) { out.append(d) }
            return out
        }

        // The client's Initial reaches the server.
        let clientInitial = drain(pair.client)
        XCTAssertEqual(clientInitial.count, 1)
        pair.server.handle(datagram: clientInitial[0].bytes, from: pair.clientAddress, now: now)
        let handle = try XCTUnwrap(pair.server.connectionHandles.first)
        let server = try XCTUnwrap(pair.server.connection(handle))

        // Its first flight is lost; its PTO probes use up the 3x allowance and reach the client.
        XCTAssertFalse(drain(pair.server).isEmpty)
        now = max(now, try XCTUnwrap(server.recovery.lossDetectionTimer))
        pair.server.handleTimeout(now: now)
        let probes = drain(pair.server)
        XCTAssertFalse(probes.isEmpty)
        XCTAssertTrue(server.recovery.amplificationBlocked, "the server should have hit the 3x limit")

        // The client acknowledges them; that datagram lifts the limit, with nothing new to send.
        let client = try XCTUnwrap(pair.clientConnection)
        for d in probes { pair.client.handle(datagram: d.bytes, from: pair.serverAddress, now: now) }
        for d in drain(pair.client) { pair.server.handle(datagram: d.bytes, from: pair.clientAddress, now: now) }
        _ = drain(pair.server)

        // Handshake data is still unacknowledged: the PTO timer must run again.
        let timer = try XCTUnwrap(server.recovery.lossDetectionTimer, "the PTO timer must be re-armed once the limit is lifted")
        now = max(now, timer)
        pair.server.handleTimeout(now: now)
        XCTAssertFalse(drain(pair.server).isEmpty, "the re-armed PTO sends probes")

        // From here on nothing is lost: the handshake completes.
        var steps = 0
        while !(client.isEstablished && server.isEstablished), steps < 200 {
            steps += 1
            var moved = false
            for d in drain(pair.client) { pair.server.handle(datagram: d.bytes, from: pair.clientAddress, now: now); moved = true }
            for d in drain(pair.server) { pair.client.handle(datagram: d.bytes, from: pair.serverAddress, now: now); moved = true }
            if !moved, let next = [pair.client.nextTimeout, pair.server.nextTimeout].compactMap({ $0 }).min() {
                now = max(now, next)
                pair.client.handleTimeout(now: now)
                pair.server.handleTimeout(now: now)
            }
        }
        XCTAssertTrue(client.isEstablished && server.isEstablished, "handshake did not complete")
    }
}
