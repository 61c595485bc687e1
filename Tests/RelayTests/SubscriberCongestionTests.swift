import XCTest
@testable import Relay

final class SubscriberCongestionTests: XCTestCase {
    private func snap(cwnd: Int = 100_000, rttMs: UInt64 = 20, unacked: Int = 0, blocked: Bool = false) -> TransportSnapshot {
        TransportSnapshot(congestionWindow: cwnd, bytesInFlight: min(unacked, cwnd), smoothedRTTNanoseconds: rttMs * 1_000_000,
                          unacknowledgedBytes: unacked, flowControlBlocked: blocked)
    }

    func testWindowIsTwoCongestionWindowsMinusUnacknowledged() {
        var c = SubscriberCongestion()
        XCTAssertEqual(c.update(snap(cwnd: 100_000, unacked: 50_000), now: .zero).window, 150_000)
        XCTAssertEqual(c.update(snap(cwnd: 100_000, unacked: 250_000), now: .zero).window, 0)
        // Small windows still allow the minimum.
        XCTAssertEqual(c.update(snap(cwnd: 10_000, unacked: 0), now: .zero).window, 64 << 10)
    }

    func testBudgetIsRateTimesTargetDelay() {
        var c = SubscriberCongestion()
        // 100 KB per 20 ms = 5 MB/s; half a second of it.
        XCTAssertEqual(c.update(snap(cwnd: 100_000, rttMs: 20), now: .zero).budget, 2_500_000)
        // A slow subscriber: 15 KB per 200 ms = 75 KB/s -> 37.5 KB.
        XCTAssertEqual(c.update(snap(cwnd: 15_000, rttMs: 200), now: .zero).budget, 37_500)
        // Never below the minimum.
        XCTAssertEqual(c.update(snap(cwnd: 2_400, rttMs: 500), now: .zero).budget, 32 << 10)
    }

    func testFlowControlBlockingPastTheGraceZeroesTheBudget() {
        var c = SubscriberCongestion()
        let t0 = RelayTime.seconds(10)
        XCTAssertGreaterThan(c.update(snap(blocked: true), now: t0).budget, 0)
        XCTAssertGreaterThan(c.update(snap(blocked: true), now: t0.adding(seconds: 0.1)).budget, 0)
        XCTAssertEqual(c.update(snap(blocked: true), now: t0.adding(seconds: 0.25)).budget, 0)
        // Unblocked: back to the rate, and the grace starts over.
        XCTAssertGreaterThan(c.update(snap(blocked: false), now: t0.adding(seconds: 0.3)).budget, 0)
        XCTAssertGreaterThan(c.update(snap(blocked: true), now: t0.adding(seconds: 0.4)).budget, 0)
    }
}
