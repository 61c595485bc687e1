import NetSim
import XCTest
@testable import QUIC

final class CubicCongestionControllerTests: XCTestCase {
    private let mss = 1200
    private let rttDuration = QUICDuration.milliseconds(100)

    private func earlier(_ t: QUICTime, _ d: QUICDuration) -> QUICTime { QUICTime(nanoseconds: t.nanoseconds - d.nanoseconds) }

    private func estimator() -> RTTEstimator {
        var rtt = RTTEstimator(initialRtt: rttDuration)
        rtt.updateRtt(latestRtt: rttDuration, ackDelay: .zero, now: QUICTime(nanoseconds: 1))
        return rtt
    }

    /// A controller grown in slow start to `segments`, then cut by one loss at `now`.
    private func afterLoss(atSegments segments: Int, now: QUICTime) -> CubicCongestionController {
        let cubic = CubicCongestionController(maxDatagramSize: mss)
        let rtt = estimator()
        while cubic.congestionWindow < segments * mss {
            cubic.onPacketAcked(sentBytes: mss, timeSent: earlier(now, rttDuration), now: now, rtt: rtt, appLimited: false)
        }
        cubic.onCongestionEvent(timeSent: now, now: now)
        return cubic
    }

    /// Acknowledges one window per RTT for `rtts` round trips starting at `start`; returns cwnd after each RTT.
    private func ackRounds(_ cubic: CubicCongestionController, from start: QUICTime, rtts: Int) -> [Int] {
        let rtt = estimator()
        var windows: [Int] = []
        var now = start
        for _ in 0..<rtts {
            now = now + rttDuration
            let packets = cubic.congestionWindow / mss
            for _ in 0..<packets {
                cubic.onPacketAcked(sentBytes: mss, timeSent: earlier(now, rttDuration), now: now, rtt: rtt, appLimited: false)
            }
            windows.append(cubic.congestionWindow)
        }
        return windows
    }

    func testMultiplicativeDecreaseIsPointSeven() {
        let start = QUICTime(nanoseconds: 10_000_000_000)
        let cubic = afterLoss(atSegments: 100, now: start)
        XCTAssertEqual(Double(cubic.congestionWindow), Double(cubic.windowMax) * 0.7, accuracy: 1)
        XCTAssertEqual(cubic.ssthresh, cubic.congestionWindow)
        // A second loss within the same recovery period does not reduce again.
        cubic.onCongestionEvent(timeSent: earlier(start, .milliseconds(1)), now: start + QUICDuration.milliseconds(5))
        XCTAssertEqual(Double(cubic.congestionWindow), Double(cubic.windowMax) * 0.7, accuracy: 1)
    }

    func testFastConvergenceLowersWindowMax() {
        let start = QUICTime(nanoseconds: 10_000_000_000)
        let cubic = afterLoss(atSegments: 100, now: start)
        let firstMax = cubic.windowMax
        // The next loss comes before the window regained W_max: W_max = cwnd * (1 + 0.7) / 2.
        _ = ackRounds(cubic, from: start, rtts: 3)
        let cwnd = Double(cubic.congestionWindow)
        XCTAssertLessThan(cwnd, firstMax)
        let later = start + rttDuration * 4
        cubic.onCongestionEvent(timeSent: later, now: later)
        XCTAssertEqual(cubic.windowMax, cwnd * 0.85, accuracy: 1)
        XCTAssertEqual(Double(cubic.congestionWindow), cwnd * 0.7, accuracy: 1)
    }

    func testWindowIsConcaveBelowWindowMaxThenConvexBeyond() {
        let start = QUICTime(nanoseconds: 10_000_000_000)
        let cubic = afterLoss(atSegments: 1000, now: start)
        let windowMax = cubic.windowMax
        // K = cbrt((W_max - cwnd) / C) in segments: cbrt(300 / 0.4), about 9.1 s (91 RTTs).
        let windows = ackRounds(cubic, from: start, rtts: 160)
        let k = cubic.k
        XCTAssertEqual(k, cbrt(300 / 0.4), accuracy: 0.05)
        let kRound = Int(k * 10)
        // Concave: growth per RTT shrinks as the window nears W_max.
        let early = windows[5] - windows[4], middle = windows[kRound / 2] - windows[kRound / 2 - 1], nearK = windows[kRound] - windows[kRound - 1]
        XCTAssertGreaterThan(early, middle)
        XCTAssertGreaterThan(middle, nearK)
        // Plateau: at t = K the window is within 2% of W_max.
        XCTAssertEqual(Double(windows[kRound]), windowMax, accuracy: windowMax * 0.02)
        // Convex: beyond K growth per RTT increases again.
        let after1 = windows[kRound + 20] - windows[kRound + 19], after2 = windows[kRound + 50] - windows[kRound + 49]
        XCTAssertGreaterThan(after1, nearK)
        XCTAssertGreaterThan(after2, after1)
        XCTAssertGreaterThan(Double(windows.last!), windowMax * 1.1)  // 16 s: W_max + C (16 - K)^3 segments
        // It follows W_cubic: check one point against the formula (one RTT of look-ahead).
        let t = 3.0
        let expected = 0.4 * pow(t + 0.1 - k, 3) * Double(mss) + windowMax
        XCTAssertEqual(Double(windows[29]), expected, accuracy: expected * 0.02)
    }

    func testRenoFriendlyRegionWhenCubicIsSlower() {
        // Small windows and short RTTs: the Reno-friendly estimate (alpha = 3 * 0.3 / 1.7) leads.
        let start = QUICTime(nanoseconds: 10_000_000_000)
        let cubic = afterLoss(atSegments: 12, now: start)
        let before = cubic.congestionWindow
        _ = ackRounds(cubic, from: start, rtts: 10)
        XCTAssertGreaterThan(cubic.renoEstimate, Double(before))
        XCTAssertGreaterThanOrEqual(Double(cubic.congestionWindow) + 1, cubic.renoEstimate)
        XCTAssertEqual(CubicCongestionController.alpha, 3 * 0.3 / 1.7, accuracy: 1e-12)
    }

    func testPersistentCongestionCollapsesTheWindow() {
        let start = QUICTime(nanoseconds: 10_000_000_000)
        let cubic = afterLoss(atSegments: 50, now: start)
        cubic.onPersistentCongestion(now: start + .seconds(1))
        XCTAssertEqual(cubic.congestionWindow, 2 * mss)
    }

    func testTenMegabytesWithCubicUnderLoss() throws {
        var config = ConnectionConfiguration()
        config.congestionControl = .cubic
        let link = LinkConfiguration(delay: .milliseconds(10), lossRate: 0.05, bandwidth: 12_500_000)
        let pair = SimulatedPair(seed: 7, clientToServer: link, serverToClient: link, configuration: config)
        let scenario = TransferScenario(pair: pair, total: 10 << 20, bidirectional: false)
        try pair.connect()
        let start = pair.simulator.now
        XCTAssertTrue(pair.run(seconds: 600) { scenario.isComplete || scenario.corrupt })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertEqual(scenario.received, 10 << 20)
        let client = try XCTUnwrap(pair.clientConnection)
        XCTAssertTrue(client.recovery.congestion is CubicCongestionController)
        XCTAssertGreaterThan(client.stats.packetsLost, 0)
        let seconds = (pair.simulator.now - start).milliseconds / 1000
        print("SIM cubic uni \(10 << 20) B loss 0.05: \(String(format: "%.2f", seconds)) s virtual, lost \(client.stats.packetsLost), PTOs \(client.stats.ptoCount)")
    }
}
