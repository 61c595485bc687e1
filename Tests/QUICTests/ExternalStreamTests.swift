import NetSim
import XCTest
@testable import QUIC

final class ExternalStreamTests: XCTestCase {
    /// A cleartext pair with the client's sends tapped, a foreign sender on the client's allocators,
    /// a data source and an observer.
    private struct Setup {
        let pair: SimulatedPair
        let client: Connection
        let server: Connection
        let foreign: ForeignSender
        let source: PatternDataSource
        let observer: RecordingObserver
    }

    /// What the server read per stream, and which streams finished.
    private final class Reader {
        var received: [UInt64: [UInt8]] = [:]
        var finished = Set<UInt64>()
        func read(_ server: Connection?, _ ids: [UInt64]) {
            guard let server else { return }
            for id in ids where !finished.contains(id) {
                while let r = try? server.read(streamID: id) {
                    received[id, default: []] += r.data
                    if r.isFinished { finished.insert(id); break }
                    if r.data.isEmpty { break }
                }
            }
        }
    }

    private func makeSetup(seed: UInt64 = 17) throws -> Setup {
        var config = ConnectionConfiguration()
        config.allowCleartext = true
        config.fastPathEncoding = true
        let link = LinkConfiguration(delay: .milliseconds(10), bandwidth: 12_500_000)
        let pair = SimulatedPair(seed: seed, clientToServer: link, serverToClient: link, configuration: config)
        let tap = TappedEndpoint.tapClient(of: pair)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone && (pair.clientConnection?.handshakeConfirmed ?? false) })
        let client = try XCTUnwrap(pair.clientConnection)
        let server = try XCTUnwrap(pair.serverConnection)
        XCTAssertTrue(client.isCleartext)
        let foreign = ForeignSender(connection: client, tap: tap, destination: pair.serverAddress)
        let source = PatternDataSource()
        let observer = RecordingObserver()
        client.streamDataSource = source
        client.observer = observer
        return Setup(pair: pair, client: client, server: server, foreign: foreign, source: source, observer: observer)
    }

    private func expected(_ source: PatternDataSource, _ id: UInt64, _ count: Int) -> [UInt8] {
        source.bytes(streamID: id, offset: 0, length: count)
    }

    /// The key scenario: the foreign sender sends two streams itself; every fourth packet is lost.
    func testForeignSentStreamsAreRetransmittedFromTheSourceAndComplete() throws {
        let s = try makeSetup()
        let total = 300_000
        // Stream A: created explicitly by user space. Stream B: first seen in a registration.
        let a = s.foreign.drawStreamID(bidirectional: false)
        try s.client.createExternalStream(id: a)
        let b = s.foreign.drawStreamID(bidirectional: false)
        s.source.bases = [a: 0, b: 1_000_000]
        var next: [UInt64: Int] = [a: 0, b: 0]
        let chunk = 1100
        let reader = Reader()
        s.pair.application = { pair, now in
            // The "kernel" sends while the connection's congestion window allows, alternating streams.
            var turn = 0
            var blocked = 0
            while s.foreign.congestionAllows, next.values.contains(where: { $0 < total }), blocked < 2 {
                let id = [a, b][turn % 2]
                turn += 1
                guard let offset = next[id], offset < total else { continue }
                let n = min(chunk, total - offset)
                guard s.foreign.flowControlAllows(streamID: id, end: UInt64(offset + n)) else {
                    blocked += 1
                    continue
                }
                let fin = id == b && offset + n == total  // B's FIN comes from the kernel
                s.foreign.send(streamID: id, offset: UInt64(offset), data: s.source.bytes(streamID: id, offset: UInt64(offset), length: n),
                               fin: fin, drop: s.foreign.packetsSent % 20 == 3, now: now)
                next[id] = offset + n
                if id == a && offset + n == total { try? s.client.finishExternalStream(streamID: a, finalSize: UInt64(total)) }
            }
            reader.read(pair.serverConnection, [a, b])
        }
        XCTAssertTrue(s.pair.run(seconds: 60) { reader.finished.count == 2 && s.observer.completed.count == 2 },
                      "received \(reader.received.mapValues(\.count)) completed \(s.observer.completed) client \(s.client.stats) \(String(describing: s.client.closeReasonIfClosed)) server \(String(describing: s.server.closeReasonIfClosed)) inflight \(s.client.bytesInFlight) cwnd \(s.client.congestionWindow) now \(s.pair.simulator.now)")
        XCTAssertEqual(reader.received[a], expected(s.source, a, total), "stream A in order")
        XCTAssertEqual(reader.received[b], expected(s.source, b, total), "stream B in order")
        XCTAssertEqual(Set(s.observer.completed), [a, b])

        // Every lost range was resent by the connection from the source.
        XCTAssertGreaterThan(s.foreign.droppedRanges.count, 20)
        for lost in s.foreign.droppedRanges {
            XCTAssertTrue(s.source.requests.contains { $0.streamID == lost.streamID && $0.range.overlaps(lost.range) }, "\(lost) resent")
        }
        XCTAssertGreaterThan(s.client.stats.streamBytesRetransmitted, 0)
        // Registered packets' ACKs count: nothing stays in flight.
        XCTAssertTrue(s.pair.run(seconds: 5) { s.client.bytesInFlight == 0 })
        XCTAssertGreaterThan(s.observer.congestion.count, 20)
        XCTAssertEqual(s.observer.congestion.last?.inFlight, 0)
        XCTAssertTrue(s.observer.congestion.contains { $0.window < s.observer.congestion.map(\.window).max()! }, "a loss reduced the window")
        // Connection-level flow control counted every byte exactly once.
        XCTAssertEqual(s.client.peerDataSent, UInt64(2 * total))
        XCTAssertTrue(s.client.isEstablished && s.server.isEstablished)
        XCTAssertNil(s.client.sendStreams[a], "completed streams are forgotten")
    }

    /// User space and the foreign sender take turns on one stream (mid-stream join and handoff).
    func testUserSpaceRangesInterleaveWithForeignRanges() throws {
        let s = try makeSetup(seed: 18)
        let id = s.foreign.drawStreamID(bidirectional: false)
        try s.client.createExternalStream(id: id)
        s.source.bases = [id: 5000]
        let reader = Reader()
        // User space sends [0, 20000) and [50000, 70000); the kernel [20000, 50000) and [70000, 100000).
        try s.client.sendExternalStreamData(streamID: id, range: 0..<20_000)
        var foreignRanges: [Range<Int>] = [20_000..<50_000, 70_000..<100_000]
        var cursor = foreignRanges[0].lowerBound
        var handedOff = false
        s.pair.application = { pair, now in
            while s.foreign.congestionAllows, let range = foreignRanges.first {
                let n = min(1100, range.upperBound - cursor)
                guard s.foreign.flowControlAllows(streamID: id, end: UInt64(cursor + n)) else { break }
                s.foreign.send(streamID: id, offset: UInt64(cursor), data: s.source.bytes(streamID: id, offset: UInt64(cursor), length: n),
                               fin: false, drop: s.foreign.packetsSent % 5 == 2, now: now)
                cursor += n
                if cursor == range.upperBound {
                    foreignRanges.removeFirst()
                    cursor = foreignRanges.first?.lowerBound ?? 0
                    if !handedOff {
                        handedOff = true
                        try? s.client.sendExternalStreamData(streamID: id, range: 50_000..<70_000)
                    }
                }
            }
            if foreignRanges.isEmpty { try? s.client.finishExternalStream(streamID: id, finalSize: 100_000) }
            reader.read(pair.serverConnection, [id])
        }
        XCTAssertTrue(s.pair.run(seconds: 60) { reader.finished.contains(id) && s.observer.completed.contains(id) },
                      "received \(reader.received[id]?.count ?? 0)")
        XCTAssertEqual(reader.received[id], expected(s.source, id, 100_000))
        XCTAssertTrue(s.source.requests.contains { $0.range.overlaps(0..<20_000) })
        XCTAssertTrue(s.source.requests.contains { $0.range.overlaps(50_000..<70_000) })
        XCTAssertEqual(s.client.peerDataSent, 100_000)
        XCTAssertTrue(s.pair.run(seconds: 5) { s.client.bytesInFlight == 0 })
    }

    /// The peer's ACK for kernel packets arrives before their registration (a slow ring buffer): no
    /// protocol violation; the late packets are settled and the stream completes.
    func testAcknowledgementBeforeRegistrationIsTolerated() throws {
        let s = try makeSetup(seed: 22)
        let id = s.foreign.drawStreamID(bidirectional: false)
        s.source.bases = [id: 0]
        let start = s.pair.simulator.now
        for i in 0..<8 {
            s.foreign.send(streamID: id, offset: UInt64(i * 1000), data: s.source.bytes(streamID: id, offset: UInt64(i * 1000), length: 1000),
                           fin: i == 7, drop: false, registerLater: true, now: start)
        }
        let reader = Reader()
        s.pair.application = { pair, _ in reader.read(pair.serverConnection, [id]) }
        // The peer acknowledges (one RTT is 20 ms) before anything is registered.
        XCTAssertTrue(s.pair.run(seconds: 1) { reader.finished.contains(id) && s.pair.simulator.now > start + .milliseconds(40) })
        XCTAssertTrue(s.client.isEstablished, "\(String(describing: s.client.closeReasonIfClosed))")
        s.foreign.registerPending(now: s.pair.simulator.now)
        // Already acknowledged: settled at once, nothing in flight, nothing declared lost or re-sent.
        XCTAssertEqual(s.client.bytesInFlight, 0)
        XCTAssertTrue(s.pair.run(seconds: 10) { s.observer.completed.contains(id) })
        XCTAssertEqual(reader.received[id], s.source.bytes(streamID: id, offset: 0, length: 8000))
        XCTAssertEqual(s.client.stats.packetsLost, 0)
        XCTAssertTrue(s.source.requests.isEmpty)
        XCTAssertEqual(s.client.peerDataSent, 8000)
        XCTAssertTrue(s.client.isEstablished && s.server.isEstablished)
    }

    func testResetExternalStreamReachesPeerAndCompletes() throws {
        let s = try makeSetup(seed: 19)
        let id = s.foreign.drawStreamID(bidirectional: false)
        try s.client.createExternalStream(id: id)
        s.source.bases = [id: 0]
        let now = s.pair.simulator.now
        for i in 0..<5 {
            s.foreign.send(streamID: id, offset: UInt64(i * 1000), data: s.source.bytes(streamID: id, offset: UInt64(i * 1000), length: 1000),
                           fin: false, drop: i == 1, now: now)
        }
        try s.client.resetStream(streamID: id, errorCode: 0x42)
        // A late registration (the kernel raced the reset) is lost: it must not be resent.
        s.foreign.send(streamID: id, offset: 1000, data: s.source.bytes(streamID: id, offset: 1000, length: 1000), fin: false, drop: true, now: now)
        XCTAssertTrue(s.pair.run(seconds: 10) {
            s.pair.serverEvents.contains(.streamReset(streamID: id, errorCode: 0x42)) && s.observer.completed.contains(id)
        })
        XCTAssertTrue(s.source.requests.isEmpty, "nothing of a reset stream is fetched: \(s.source.requests)")
        XCTAssertThrowsError(try s.client.sendExternalStreamData(streamID: id, range: 0..<10))
        XCTAssertTrue(s.pair.run(seconds: 5) { s.client.bytesInFlight == 0 })
    }

    /// The kernel sent bytes whose records were lost (a full ring buffer): a reset must still carry a
    /// final size covering them, or the peer closes the connection with FINAL_SIZE_ERROR.
    func testResetCoversBytesTheForeignSenderNeverReported() throws {
        let s = try makeSetup(seed: 23)
        let id = s.foreign.drawStreamID(bidirectional: false)
        try s.client.createExternalStream(id: id)
        s.source.bases = [id: 0]
        let now = s.pair.simulator.now
        for i in 0..<5 {
            // The last two packets arrive but are never registered with the connection.
            _ = s.foreign.send(streamID: id, offset: UInt64(i * 1000), data: s.source.bytes(streamID: id, offset: UInt64(i * 1000), length: 1000),
                               fin: false, drop: false, registerLater: i >= 3, now: now)
        }
        XCTAssertTrue(s.pair.run(seconds: 1) { (s.pair.serverConnection?.bytesReceived ?? 0) > 5000 })
        try s.client.resetExternalStream(streamID: id, errorCode: 0x42, sentEnd: 5000)
        XCTAssertTrue(s.pair.run(seconds: 5) { s.pair.serverEvents.contains(.streamReset(streamID: id, errorCode: 0x42)) })
        XCTAssertFalse(s.server.isClosing || s.server.isClosed, "no FINAL_SIZE_ERROR: \(String(describing: s.server.closeReasonIfClosed))")
        XCTAssertFalse(s.client.isClosing || s.client.isClosed)
    }

    func testUnavailableSourceDataResetsTheStream() throws {
        let s = try makeSetup(seed: 20)
        s.client.unavailableResetCode = 0x7
        let id = s.foreign.drawStreamID(bidirectional: false)
        s.source.bases = [id: 0]
        s.source.unavailable = [id]
        let now = s.pair.simulator.now
        // Auto-created by the registration; the lost packet cannot be rebuilt.
        s.foreign.send(streamID: id, offset: 0, data: s.source.bytes(streamID: id, offset: 0, length: 1000), fin: false, drop: true, now: now)
        s.foreign.send(streamID: id, offset: 1000, data: s.source.bytes(streamID: id, offset: 1000, length: 1000), fin: false, drop: false, now: now)
        s.foreign.send(streamID: id, offset: 2000, data: s.source.bytes(streamID: id, offset: 2000, length: 1000), fin: false, drop: false, now: now)
        s.foreign.send(streamID: id, offset: 3000, data: s.source.bytes(streamID: id, offset: 3000, length: 1000), fin: false, drop: false, now: now)
        XCTAssertTrue(s.pair.run(seconds: 10) { s.pair.serverEvents.contains(.streamReset(streamID: id, errorCode: 0x7)) },
                      "\(s.pair.serverEvents) \(s.source.requests) \(s.client.stats)")
        XCTAssertFalse(s.source.requests.isEmpty)
        XCTAssertTrue(s.pair.run(seconds: 5) { s.observer.completed.contains(id) })
    }

    func testExternalStreamCommandsValidateTheirArguments() throws {
        let s = try makeSetup(seed: 21)
        let ordinary = try s.client.openStream(bidirectional: false)
        XCTAssertThrowsError(try s.client.createExternalStream(id: ordinary)) { XCTAssertEqual($0 as? StreamError, .streamIDInUse) }
        XCTAssertThrowsError(try s.client.sendExternalStreamData(streamID: ordinary, range: 0..<1)) { XCTAssertEqual($0 as? StreamError, .notWritable) }
        XCTAssertThrowsError(try s.client.createExternalStream(id: 3)) { XCTAssertEqual($0 as? StreamError, .notWritable) }
        let limit = ConnectionConfiguration().initialMaxStreamsUni
        XCTAssertThrowsError(try s.client.createExternalStream(id: StreamID.make(index: limit, initiator: .client, bidirectional: false))) {
            XCTAssertEqual($0 as? StreamError, .streamLimitReached)
        }
        let id = s.foreign.drawStreamID(bidirectional: false)
        try s.client.createExternalStream(id: id)
        XCTAssertNoThrow(try s.client.createExternalStream(id: id), "idempotent")
        XCTAssertThrowsError(try s.client.write(streamID: id, data: [1])) { XCTAssertEqual($0 as? StreamError, .notWritable) }
        try s.client.sendExternalStreamData(streamID: id, range: 0..<10)
        XCTAssertThrowsError(try s.client.finishExternalStream(streamID: id, finalSize: 5)) { XCTAssertEqual($0 as? StreamError, .finished) }
        try s.client.finishExternalStream(streamID: id, finalSize: 10)
        XCTAssertThrowsError(try s.client.sendExternalStreamData(streamID: id, range: 5..<11)) { XCTAssertEqual($0 as? StreamError, .finished) }
        s.source.bases = [id: 0]
        let reader = Reader()
        s.pair.application = { pair, _ in reader.read(pair.serverConnection, [id]) }
        XCTAssertTrue(s.pair.run(seconds: 5) { reader.finished.contains(id) && s.observer.completed.contains(id) })
        XCTAssertEqual(reader.received[id], s.source.bytes(streamID: id, offset: 0, length: 10))
    }
}
