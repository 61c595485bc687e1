import XCTest
@testable import QUIC

/// Packets someone else sent (the kernel fast path) are kept compact in loss recovery
/// (`ExternalPacket`) instead of as one `SentPacket` each. These tests drive two recoveries with the
/// same random history — user-space packets, external packets registered late and out of order,
/// ACKs with gaps, timeouts — one registering externals compactly, the other as ordinary
/// `SentPacket`s, and require identical outcomes after every step: the packets acknowledged and lost,
/// bytes in flight, congestion window, RTT and loss-detection timer.
final class ExternalPacketRecoveryTests: XCTestCase {
    private struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 33
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    private func recovery() -> LossRecovery {
        let r = LossRecovery(isServer: true, congestion: CubicCongestionController(maxDatagramSize: 1200), initialRtt: .milliseconds(20))
        r.handshakeConfirmed = true
        r.hasHandshakeKeys = true
        return r
    }

    private func streamFrame(_ pn: UInt64) -> SentFrame { .stream(streamID: 3 + 4 * (pn % 5), offset: pn * 1000, length: 1000, fin: pn % 7 == 0) }

    private func ackedNumbers(_ r: LossRecovery.AckResult) -> Set<UInt64> {
        Set(r.newlyAcked.map(\.packetNumber) + r.ackedExternal.map(\.packetNumber))
    }

    /// Frames reported acknowledged, by packet number (from either form).
    private func ackedFrames(_ r: LossRecovery.AckResult) -> [UInt64: [SentFrame]] {
        var out: [UInt64: [SentFrame]] = [:]
        for p in r.newlyAcked { out[p.packetNumber] = p.frames }
        for p in r.ackedExternal { out[p.packetNumber] = [.stream(streamID: p.streamID, offset: p.offset, length: p.length, fin: p.fin)] }
        return out
    }

    private func assertSame(_ a: LossRecovery, _ b: LossRecovery, _ step: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.bytesInFlight, b.bytesInFlight, "bytes in flight, \(step)", file: file, line: line)
        XCTAssertEqual(a.congestion.congestionWindow, b.congestion.congestionWindow, "cwnd, \(step)", file: file, line: line)
        XCTAssertEqual(a.rtt.smoothedRtt, b.rtt.smoothedRtt, "srtt, \(step)", file: file, line: line)
        XCTAssertEqual(a.lossDetectionTimer, b.lossDetectionTimer, "timer, \(step)", file: file, line: line)
        XCTAssertEqual(a.packetsSent, b.packetsSent, "packets sent, \(step)", file: file, line: line)
        XCTAssertEqual(a.packetsLost, b.packetsLost, "packets lost, \(step)", file: file, line: line)
    }

    func testCompactExternalPacketsBehaveLikeSentPackets() {
        var compactAcks = 0, losses = 0, timeouts = 0, lateRegistrations = 0
        defer {
            // The histories must reach every path being compared.
            XCTAssertGreaterThan(compactAcks, 1000)
            XCTAssertGreaterThan(losses, 100)
            XCTAssertGreaterThan(timeouts, 10)
            XCTAssertGreaterThan(lateRegistrations, 100)
        }
        for seed in UInt64(1)...40 {
            var rng = Rng(state: seed)
            let compact = recovery()
            let reference = recovery()
            var now = QUICTime(nanoseconds: 1_000_000_000)
            var nextPN: UInt64 = 0
            var delayed: [(UInt64, QUICTime)] = []  // external packets sent, registration held back
            var sent: [UInt64: Int] = [:]            // packet number -> size (every registered packet)
            var delivered = Set<UInt64>()             // what the peer received
            var outcome: [UInt64: String] = [:]       // acked / lost, at most once each
            var everAcked = Set<UInt64>()
            for step in 0..<400 {
                now = now + .microseconds(UInt64(rng.below(3000)))
                switch rng.below(10) {
                case 0...5:
                    // A packet: external (kernel) in most cases, sometimes registered later.
                    let pn = nextPN
                    nextPN += 1
                    let size = 1000 + rng.below(200)
                    if !rng.chance(10) { delivered.insert(pn) }
                    if rng.chance(70) {
                        if rng.chance(20) {
                            delayed.append((pn, now))
                        } else {
                            let e = ExternalPacket(packetNumber: pn, timeSent: now, sentBytes: size, streamID: 3 + 4 * (pn % 5),
                                                   offset: pn * 1000, length: 1000, fin: pn % 7 == 0)
                            compact.onExternalPacketSent(e, now: now)
                            reference.onPacketSent(e.sentPacket, now: now)
                            sent[pn] = size
                        }
                    } else {
                        let p = SentPacket(packetNumber: pn, space: .application, timeSent: now, sentBytes: size, ackEliciting: true,
                                           inFlight: true, frames: [streamFrame(pn)])
                        compact.onPacketSent(p, now: now)
                        reference.onPacketSent(p, now: now)
                        sent[pn] = size
                    }
                case 6:
                    // The held-back registrations arrive (a slow reader), oldest first.
                    for (pn, t) in delayed {
                        let e = ExternalPacket(packetNumber: pn, timeSent: t, sentBytes: 1100, streamID: 3 + 4 * (pn % 5),
                                               offset: pn * 1000, length: 1000, fin: pn % 7 == 0)
                        compact.onExternalPacketSent(e, now: now)
                        reference.onPacketSent(e.sentPacket, now: now)
                        sent[pn] = 1100
                        lateRegistrations += 1
                    }
                    delayed.removeAll()
                case 7...8:
                    // An ACK of what was delivered so far (registered or not), a few recent ones missing.
                    let upTo = nextPN
                    let got = delivered.filter { $0 < upTo && $0 + 2 < upTo || rng.chance(50) }.sorted()
                    guard !got.isEmpty else { continue }
                    var ranges: [ClosedRange<UInt64>] = []
                    for pn in got {
                        if let last = ranges.last, last.upperBound + 1 == pn { ranges[ranges.count - 1] = last.lowerBound...pn } else { ranges.append(pn...pn) }
                    }
                    let ack = AckFrame(ranges: ranges.reversed(), ackDelay: UInt64(rng.below(200)))
                    let a = compact.onAckReceived(ack, ackDelay: .microseconds(ack.ackDelay), space: .application, now: now)
                    let b = reference.onAckReceived(ack, ackDelay: .microseconds(ack.ackDelay), space: .application, now: now)
                    XCTAssertEqual(ackedNumbers(a), ackedNumbers(b), "seed \(seed) step \(step): acknowledged")
                    compactAcks += a.ackedExternal.count
                    losses += a.lost.count
                    XCTAssertEqual(ackedFrames(a), ackedFrames(b), "seed \(seed) step \(step): frames acknowledged")
                    XCTAssertEqual(Set(a.lost.map(\.packetNumber)), Set(b.lost.map(\.packetNumber)), "seed \(seed) step \(step): lost")
                    XCTAssertEqual(a.lost.map(\.frames), b.lost.map(\.frames), "seed \(seed) step \(step): lost frames")
                    for pn in ackedNumbers(a) {
                        XCTAssertNotNil(sent[pn], "acknowledged a packet never registered")
                        XCTAssertTrue(delivered.contains(pn), "acknowledged a packet the peer never got")
                        XCTAssertFalse(everAcked.contains(pn), "acknowledged twice")
                        everAcked.insert(pn)
                        outcome[pn] = "acked"
                    }
                    for p in a.lost {
                        XCTAssertNil(outcome[p.packetNumber], "packet \(p.packetNumber) lost after being \(outcome[p.packetNumber] ?? "")")
                        outcome[p.packetNumber] = "lost"
                    }
                default:
                    // The loss-detection timer, when due.
                    guard let t = reference.lossDetectionTimer, t <= now else { continue }
                    timeouts += 1
                    let a = compact.onLossDetectionTimeout(now: now)
                    let b = reference.onLossDetectionTimeout(now: now)
                    switch (a, b) {
                    case (.none, .none): break
                    case (.lost(let x), .lost(let y)): XCTAssertEqual(x.map(\.packetNumber), y.map(\.packetNumber), "seed \(seed) step \(step)")
                    case (.probe(let s1, let c1), .probe(let s2, let c2)): XCTAssertEqual(s1, s2); XCTAssertEqual(c1, c2)
                    default: XCTFail("seed \(seed) step \(step): timeouts differ: \(a) vs \(b)")
                    }
                    XCTAssertEqual(compact.oldestUnacked(space: .application)?.packetNumber,
                                   reference.oldestUnacked(space: .application)?.packetNumber, "probe data, seed \(seed) step \(step)")
                }
                assertSame(compact, reference, "seed \(seed) step \(step)")
                if testRun?.failureCount ?? 0 > 0 { return }
            }
            // Everything registered and a final ACK of all delivered packets: nothing in flight but the lost.
            XCTAssertEqual(Set(sent.keys).count, sent.count, "a packet number was registered twice")
        }
    }

    func testExternalPacketAckedBeforeRegistrationIsNotKeptInFlight() {
        // A registration below the largest acknowledged packet (the ACK overtook the record) is a
        // loss candidate at once, like an ordinary late registration.
        let r = recovery()
        let now = QUICTime(nanoseconds: 5_000_000_000)
        r.onExternalPacketSent(ExternalPacket(packetNumber: 0, timeSent: now, sentBytes: 1200, streamID: 3, offset: 0, length: 1100, fin: false), now: now)
        r.onExternalPacketSent(ExternalPacket(packetNumber: 2, timeSent: now, sentBytes: 1200, streamID: 3, offset: 1100, length: 1100, fin: false), now: now)
        let result = r.onAckReceived(AckFrame(ranges: [2...2], ackDelay: 0), ackDelay: .zero, space: .application, now: now + .milliseconds(10))
        XCTAssertEqual(result.ackedExternal.map(\.packetNumber), [2])
        XCTAssertTrue(result.lost.isEmpty)
        XCTAssertEqual(r.bytesInFlight, 1200, "packet 0 is still in flight (only one packet above it acknowledged)")
        XCTAssertEqual(r.external.count, 0, "packet 0, below the largest acknowledged, is a tracked loss candidate now")
        r.onExternalPacketSent(ExternalPacket(packetNumber: 1, timeSent: now, sentBytes: 1200, streamID: 3, offset: 2200, length: 10, fin: false), now: now)
        XCTAssertEqual(r.external.count, 0, "a packet registered below the largest acknowledged is a loss candidate at once")
        XCTAssertEqual(r.bytesInFlight, 2400)
        XCTAssertEqual(r.oldestUnacked(space: .application)?.packetNumber, 0)
    }
}
