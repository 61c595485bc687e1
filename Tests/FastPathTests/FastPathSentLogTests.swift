import CFastPathABI
import FastPath
import XCTest

/// The per-subscriber sent log (`FP_CFG_SENT_LOG`): what the kernel writes into it through
/// BPF_PROG_TEST_RUN, when it falls back to the ring buffer, and the reader's cursor as a property.
final class FastPathSentLogTests: XCTestCase {
    func testSentPacketsGoToTheLogNotTheRingBuffer() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone, .sentLog])
        let log = try FastPathSentLog(object: fixture.object)
        log.clear(3)
        try fixture.addSubscriber(try fixture.subscriber(3), id: 3, nextPacketNumber: 500, nextUniStream: 10)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 3, alias: 9)])
        let first = fixture.mediaPacket(offset: 0, priority: 4)
        let last = fixture.mediaPacket(offset: 206, dataLength: 50, fin: true)
        let before = monotonicNanoseconds()
        _ = try fixture.run(first.frame)
        _ = try fixture.run(last.frame)
        let after = monotonicNanoseconds()
        XCTAssertEqual(try fixture.reader.drain(), [], "no SENT record on the ring buffer")
        guard let e = log.read(3, packetNumber: 500, connection: 103), let f = log.read(3, packetNumber: 501, connection: 103) else {
            return XCTFail("both packets are in the log")
        }
        let r = FastPathRecord(sent: e, subscriberID: 3)
        XCTAssertEqual(r.kind, .sent)
        XCTAssertEqual(r.connectionID, 103)
        XCTAssertEqual(r.packetNumber, 500)
        XCTAssertEqual(r.streamID, 43)
        XCTAssertEqual(r.upstreamStreamID, FastPathFixture.mediaStream)
        XCTAssertEqual(r.offset, 0)
        XCTAssertEqual(r.length, 206)
        XCTAssertEqual(r.packetSize, UInt32(first.payload.count))
        XCTAssertEqual(r.trackID, 42)
        XCTAssertEqual(r.priority, 4)
        XCTAssertTrue(r.newStream && r.streamOpen && !r.fin)
        XCTAssertTrue((before...after).contains(r.sendTimeNanoseconds))
        XCTAssertEqual(f.offset, 206)
        XCTAssertEqual(f.length, 50)
        XCTAssertTrue(FastPathRecord(sent: f, subscriberID: 3).fin)
        XCTAssertNil(log.read(3, packetNumber: 502, connection: 103), "nothing written beyond")
        XCTAssertNil(log.read(3, packetNumber: 500, connection: 104), "another connection's entry is not ours")
        XCTAssertEqual(fixture.shared.snapshot(3).next_packet_number, 502)
        XCTAssertEqual(fixture.shared.snapshot(3).log_overruns, 0)
    }

    func testFullLogFallsBackToTheRingBufferAndNeverOverwritesAnUnreadEntry() throws {
        let fixture = try FastPathFixture(flags: [.enabled, .noClone, .sentLog])
        let log = try FastPathSentLog(object: fixture.object)
        log.clear(0)
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, nextPacketNumber: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        // Nobody reads: log_read stays 0, so the kernel logs while the log has its margin left, then
        // reports on the ring buffer.
        var offset: UInt64 = 0
        let packets = FastPathSentLog.slots + 20
        for _ in 0..<packets {
            _ = try fixture.run(fixture.mediaPacket(offset: offset, dataLength: 100).frame)
            offset += offset == 0 ? 106 : 100
        }
        var logged = 0
        for pn in 0..<UInt64(packets) where log.read(0, packetNumber: pn, connection: 100) != nil { logged += 1 }
        let records = try fixture.reader.drain()
        XCTAssertGreaterThan(logged, FastPathSentLog.slots / 2)
        XCTAssertLessThan(logged, FastPathSentLog.slots, "the kernel keeps a margin")
        XCTAssertEqual(records.count + logged, packets, "every packet reported exactly once")
        XCTAssertTrue(records.allSatisfy { $0.kind == .sent })
        XCTAssertEqual(Set(records.map(\.packetNumber)), Set(UInt64(logged)..<UInt64(packets)))
        // The first entries are still those of the first packets (nothing overwrote them).
        XCTAssertEqual(log.read(0, packetNumber: 0, connection: 100)?.offset, 0)
        XCTAssertEqual(fixture.shared.snapshot(0).log_overruns, UInt64(records.count))
        // Once read, the kernel logs again, into the entries it may now reuse.
        fixture.shared.setLogRead(0, UInt64(packets))
        _ = try fixture.run(fixture.mediaPacket(offset: offset, dataLength: 100).frame)
        XCTAssertEqual(try fixture.reader.drain(), [])
        XCTAssertEqual(log.read(0, packetNumber: UInt64(packets), connection: 100)?.offset, offset)
    }

    /// A simulated kernel on two CPUs and user space take numbers from one counter; kernel entries
    /// appear some reads after their number was taken, some never (reported on the ring buffer, or left
    /// unused). Across random histories the reader returns every entry written within the pending limit
    /// exactly once, never a number user space took, and never lets the kernel reuse an entry it has
    /// not read or given up.
    func testCursorFindsEveryEntryOnceAndProtectsUnreadOnes() {
        var rng = SplitMix(seed: 0x5eed)
        for round in 0..<200 {
            let start = UInt64(rng.next() % 1000)
            var cursor = SentLogCursor(start: start)
            var counter = start
            var now: UInt64 = 1_000_000
            let limit: UInt64 = 20_000
            var written: [UInt64: UInt64] = [:]     // pn -> when its entry became visible
            var neverWritten: Set<UInt64> = []
            var userTaken: Set<UInt64> = []
            var inFlight: [(pn: UInt64, visibleAt: UInt64)] = []
            var found: [UInt64] = []
            for _ in 0..<400 {
                now += rng.next() % 3000
                // Entries whose write completed become visible.
                inFlight.removeAll { f in
                    guard f.visibleAt <= now else { return false }
                    written[f.pn] = f.visibleAt
                    return true
                }
                switch rng.next() % 10 {
                case 0...5:  // the kernel takes a number; its entry appears after a short write
                    let pn = counter
                    counter += 1
                    if rng.next() % 40 == 0 { neverWritten.insert(pn) } else { inFlight.append((pn, now + rng.next() % 5000)) }
                case 6, 7:  // user space takes one
                    userTaken.insert(counter)
                    cursor.userTook(counter)
                    counter += 1
                default:  // user space reads
                    let unreadBefore = Set(written.keys).subtracting(found)
                    let (entries, _) = cursor.read(upTo: counter, now: now, pendingLimit: limit) { pn in written[pn] != nil ? pn : nil }
                    found += entries
                    XCTAssertEqual(Set(entries).count, entries.count, "round \(round): an entry twice in one read")
                    XCTAssertTrue(unreadBefore.isSubset(of: Set(entries)), "round \(round): a written entry was not returned")
                    // Safety: every number below logRead was returned, given up, or user space's own.
                    for p in cursor.pending { XCTAssertGreaterThanOrEqual(p.packetNumber, cursor.logRead) }
                    for f in inFlight { XCTAssertGreaterThanOrEqual(f.pn, cursor.logRead, "round \(round): an entry still being written may be reused") }
                }
            }
            // Everything settles: a last read after every write completed and the limit passed.
            for f in inFlight { written[f.pn] = now }
            inFlight.removeAll()
            found += cursor.read(upTo: counter, now: now + 1, pendingLimit: limit) { pn in written[pn] != nil ? pn : nil }.entries
            found += cursor.read(upTo: counter, now: now + limit + 2, pendingLimit: limit) { pn in written[pn] != nil ? pn : nil }.entries
            XCTAssertEqual(found.count, Set(found).count, "round \(round): an entry returned twice")
            XCTAssertTrue(Set(found).isDisjoint(with: userTaken), "round \(round): user space's own number taken for a kernel entry")
            XCTAssertEqual(Set(found), Set(written.keys), "round \(round): every written entry found")
            XCTAssertTrue(cursor.pending.isEmpty)
            XCTAssertEqual(cursor.logRead, counter)
        }
    }
}

/// A small deterministic generator for the property test.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
