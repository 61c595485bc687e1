import Foundation

/// CUBIC (RFC 9438) on QUIC's recovery signals: slow start as in RFC 9002, then a window that
/// follows W_cubic(t) = C * (t - K)^3 + W_max (concave below the window of the last loss, convex
/// beyond it), never slower than the Reno-friendly estimate; multiplicative decrease by 0.7 with
/// fast convergence; one reduction per recovery period; collapse on persistent congestion.
public final class CubicCongestionController: CongestionController {
    /// C (RFC 9438 §5.1), in segments per second cubed.
    public static let c = 0.4
    /// beta_cubic (RFC 9438 §4.6).
    public static let beta = 0.7
    /// alpha_cubic for the Reno-friendly estimate (RFC 9438 §4.3): 3 (1 - beta) / (1 + beta).
    public static let alpha = 3 * (1 - beta) / (1 + beta)

    /// max_datagram_size (the segment size).
    public let maxDatagramSize: Int
    public private(set) var congestionWindow: Int
    public private(set) var ssthresh: Int = .max
    public private(set) var congestionRecoveryStartTime: QUICTime?
    /// W_max: the window just before the last reduction, in bytes (fast convergence may lower it).
    public private(set) var windowMax: Double = 0
    /// K: seconds from the start of the epoch until W_cubic reaches W_max again.
    public private(set) var k: Double = 0
    /// The start of the current congestion-avoidance epoch.
    public private(set) var epochStart: QUICTime?
    /// cwnd at the start of the epoch, in bytes.
    private var windowAtEpochStart: Double = 0
    /// W_est: the Reno-friendly estimate, in bytes.
    public private(set) var renoEstimate: Double = 0
    /// cwnd when ssthresh was last set (cwnd_prior), in bytes.
    private var windowPrior: Double = 0
    /// Bytes acknowledged not yet turned into growth (growth is applied in whole bytes).
    private var pendingGrowth: Double = 0

    /// kMinimumWindow.
    public var minimumWindow: Int { 2 * maxDatagramSize }

    public init(maxDatagramSize: Int) {
        self.maxDatagramSize = maxDatagramSize
        congestionWindow = Self.initialWindow(maxDatagramSize: maxDatagramSize)
    }

    private func inCongestionRecovery(_ sentTime: QUICTime) -> Bool {
        guard let start = congestionRecoveryStartTime else { return false }
        return sentTime <= start
    }

    /// W_cubic(t) in bytes, `t` in seconds since the epoch started.
    public func cubicWindow(secondsSinceEpoch t: Double) -> Double {
        let segment = Double(maxDatagramSize)
        return Self.c * pow(t - k, 3) * segment + windowMax
    }

    public func onPacketSent(sentBytes: Int, now: QUICTime) {}

    public func onPacketAcked(sentBytes: Int, timeSent: QUICTime, now: QUICTime, rtt: RTTEstimator, appLimited: Bool) {
        if inCongestionRecovery(timeSent) || appLimited { return }
        if congestionWindow < ssthresh {
            congestionWindow += sentBytes
            return
        }
        let cwnd = Double(congestionWindow)
        let segment = Double(maxDatagramSize)
        if epochStart == nil {
            // A new congestion-avoidance epoch (RFC 9438 §4.2).
            epochStart = now
            windowAtEpochStart = cwnd
            if windowMax <= cwnd {
                // No loss yet, or already beyond W_max: start on the convex side.
                windowMax = cwnd
                k = 0
            } else {
                k = cbrt((windowMax - cwnd) / segment / Self.c)
            }
            renoEstimate = cwnd
        }
        let t = Double((now - epochStart!).nanoseconds) / 1e9
        let rttSeconds = Double(rtt.smoothedRtt.nanoseconds) / 1e9

        // Reno-friendly estimate (RFC 9438 §4.3): alpha_cubic segments per RTT, 1 once past cwnd_prior.
        let alpha = renoEstimate >= windowPrior ? 1.0 : Self.alpha
        renoEstimate += alpha * Double(sentBytes) / cwnd * segment

        let cubic = cubicWindow(secondsSinceEpoch: t)
        var growth: Double
        if cubic < renoEstimate {
            // Reno-friendly region (RFC 9438 §4.4).
            growth = renoEstimate - cwnd
        } else {
            // Concave or convex region (RFC 9438 §4.5, §4.6): aim at W_cubic one RTT ahead, within [cwnd, 1.5 cwnd].
            let target = min(max(cubicWindow(secondsSinceEpoch: t + rttSeconds), cwnd), 1.5 * cwnd)
            growth = (target - cwnd) * Double(sentBytes) / cwnd
        }
        pendingGrowth += max(growth, 0)
        if pendingGrowth >= 1 {
            let whole = Int(pendingGrowth)
            congestionWindow += whole
            pendingGrowth -= Double(whole)
        }
    }

    public func onCongestionEvent(timeSent: QUICTime, now: QUICTime) {
        if inCongestionRecovery(timeSent) { return }
        congestionRecoveryStartTime = now
        let cwnd = Double(congestionWindow)
        // Fast convergence (RFC 9438 §4.7): a window below the last W_max releases bandwidth.
        windowMax = cwnd < windowMax ? cwnd * (1 + Self.beta) / 2 : cwnd
        windowPrior = cwnd
        ssthresh = max(Int(cwnd * Self.beta), minimumWindow)
        congestionWindow = ssthresh
        epochStart = nil
        pendingGrowth = 0
    }

    public func onPersistentCongestion(now: QUICTime) {
        congestionWindow = minimumWindow
        congestionRecoveryStartTime = nil
        epochStart = nil
        pendingGrowth = 0
    }
}
