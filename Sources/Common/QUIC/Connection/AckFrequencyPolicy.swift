/// What a sender asks its peer with ACK_FREQUENCY (draft-ietf-quic-ack-frequency): acknowledge
/// once more than `ackElicitingThreshold` ack-eliciting packets are unacknowledged, or after the
/// requested delay, whichever comes first, and at once when a packet is `reorderingThreshold` packet
/// numbers behind the largest received (so loss is still detected at once).
public struct AckFrequencyPolicy: Sendable, Equatable {
    /// Ack-eliciting packets the peer may leave unacknowledged (it acknowledges the next one).
    public var ackElicitingThreshold: UInt64 = 9
    /// The requested max_ack_delay is the smoothed RTT divided by this...
    public var rttDivisor: UInt64 = 4
    /// ...but at least this: on a LAN a quarter RTT is microseconds, and an ACK per packet at media
    /// rates costs more than it tells the congestion controller...
    public var minimumDelay = QUICDuration.milliseconds(10)
    /// ...and at most this (and never below the peer's min_ack_delay).
    public var maximumDelay = QUICDuration.milliseconds(25)
    /// The reordering threshold; the same as the loss detector's packet threshold (RFC 9002 §6.1.1).
    public var reorderingThreshold: UInt64 = 3
    /// A new ACK_FREQUENCY is sent when the delay it would request moved by more than this fraction.
    public var updateTolerance = 0.25

    public init() {}

    /// The delay to request for `smoothedRTT`, given the peer's min_ack_delay.
    public func requestedDelay(smoothedRTT: QUICDuration, peerMinAckDelay: QUICDuration) -> QUICDuration {
        var d = smoothedRTT / max(rttDivisor, 1)
        if d < minimumDelay { d = minimumDelay }
        if d > maximumDelay { d = maximumDelay }
        if d < peerMinAckDelay { d = peerMinAckDelay }
        return d
    }
}
