/// NewReno (RFC 9002 §7 and Appendix B): slow start, congestion avoidance, one window
/// reduction per recovery period, collapse on persistent congestion.
public final class NewRenoCongestionController: CongestionController {
    /// max_datagram_size.
    public let maxDatagramSize: Int
    public private(set) var congestionWindow: Int
    public private(set) var ssthresh: Int = .max
    public private(set) var congestionRecoveryStartTime: QUICTime?
    /// Bytes acknowledged in congestion avoidance, not yet turned into window growth.
    private var bytesAckedInAvoidance = 0

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

    public func onPacketSent(sentBytes: Int, now: QUICTime) {}

    public func onPacketAcked(sentBytes: Int, timeSent: QUICTime, now: QUICTime, rtt: RTTEstimator, appLimited: Bool) {
        if inCongestionRecovery(timeSent) || appLimited { return }
        if congestionWindow < ssthresh {
            congestionWindow += sentBytes
        } else {
            bytesAckedInAvoidance += sentBytes
            if bytesAckedInAvoidance >= congestionWindow {
                bytesAckedInAvoidance -= congestionWindow
                congestionWindow += maxDatagramSize
            }
        }
    }

    public func onCongestionEvent(timeSent: QUICTime, now: QUICTime) {
        if inCongestionRecovery(timeSent) { return }
        congestionRecoveryStartTime = now
        ssthresh = congestionWindow / 2
        congestionWindow = max(ssthresh, minimumWindow)
        bytesAckedInAvoidance = 0
    }

    public func onPersistentCongestion(now: QUICTime) {
        congestionWindow = minimumWindow
        congestionRecoveryStartTime = nil
        bytesAckedInAvoidance = 0
    }
}
