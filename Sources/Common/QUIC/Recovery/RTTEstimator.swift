/// Round-trip time estimation (RFC 9002 §5).
public struct RTTEstimator: Sendable {
    /// kInitialRtt.
    public let initialRtt: QUICDuration
    public private(set) var latestRtt: QUICDuration = .zero
    public private(set) var smoothedRtt: QUICDuration
    public private(set) var rttvar: QUICDuration
    public private(set) var minRtt: QUICDuration = .zero
    /// Set by the first sample.
    public private(set) var firstRttSample: QUICTime?

    public init(initialRtt: QUICDuration = .milliseconds(333)) {
        self.initialRtt = initialRtt
        smoothedRtt = initialRtt
        rttvar = initialRtt / 2
    }

    /// Takes a sample (RFC 9002 §5.3). `ackDelay` is already limited to max_ack_delay once the handshake is confirmed.
    public mutating func updateRtt(latestRtt sample: QUICDuration, ackDelay: QUICDuration, now: QUICTime) {
        latestRtt = sample
        if firstRttSample == nil {
            minRtt = sample
            smoothedRtt = sample
            rttvar = sample / 2
            firstRttSample = now
            return
        }
        minRtt = min(minRtt, sample)
        var adjusted = sample
        if sample >= minRtt + ackDelay { adjusted = sample - ackDelay }
        let diff = smoothedRtt > adjusted ? smoothedRtt - adjusted : adjusted - smoothedRtt
        rttvar = QUICDuration(nanoseconds: (3 * rttvar.nanoseconds + diff.nanoseconds) / 4)
        smoothedRtt = QUICDuration(nanoseconds: (7 * smoothedRtt.nanoseconds + adjusted.nanoseconds) / 8)
    }
}
