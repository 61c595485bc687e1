/// A token-bucket pacer (RFC 9002 §7.7): spreads ack-eliciting packets over the RTT at
/// 1.25 x cwnd / smoothed RTT, allowing bursts of `burstPackets` datagrams.
package struct Pacer: Sendable {
    package let maxDatagramSize: Int
    package let burstPackets: Int
    private var tokens: Double
    private var lastUpdate: QUICTime?

    package init(maxDatagramSize: Int, burstPackets: Int = 10) {
        self.maxDatagramSize = maxDatagramSize
        self.burstPackets = burstPackets
        tokens = Double(maxDatagramSize * burstPackets)
    }

    private var capacity: Double { Double(maxDatagramSize * burstPackets) }

    /// Bytes per nanosecond for this window and RTT.
    private func rate(congestionWindow: Int, smoothedRtt: QUICDuration) -> Double {
        1.25 * Double(congestionWindow) / Double(max(smoothedRtt.nanoseconds, 1_000))
    }

    private mutating func refill(now: QUICTime, congestionWindow: Int, smoothedRtt: QUICDuration) {
        if let last = lastUpdate, now > last {
            tokens = min(capacity, tokens + Double((now - last).nanoseconds) * rate(congestionWindow: congestionWindow, smoothedRtt: smoothedRtt))
        }
        lastUpdate = now
    }

    /// Nil when a full-size packet may go now, else the time it may.
    package mutating func delay(now: QUICTime, congestionWindow: Int, smoothedRtt: QUICDuration) -> QUICTime? {
        refill(now: now, congestionWindow: congestionWindow, smoothedRtt: smoothedRtt)
        let needed = Double(maxDatagramSize)
        if tokens >= needed { return nil }
        let wait = (needed - tokens) / rate(congestionWindow: congestionWindow, smoothedRtt: smoothedRtt)
        return now + QUICDuration(nanoseconds: UInt64(wait.rounded(.up)) + 1)
    }

    /// Spends tokens for a sent ack-eliciting datagram.
    package mutating func onSent(bytes: Int) {
        tokens = max(0, tokens - Double(bytes))
    }
}
