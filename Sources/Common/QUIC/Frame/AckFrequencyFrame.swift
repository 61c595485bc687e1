/// The fields of an ACK_FREQUENCY frame (draft-ietf-quic-ack-frequency §4).
public struct AckFrequencyFrame: Equatable, Sendable {
    /// Orders the frames of one sender: a receiver ignores any not above the largest it saw.
    public var sequenceNumber: UInt64
    /// Acknowledge once more than this many ack-eliciting packets arrived unacknowledged (0: every one).
    public var ackElicitingThreshold: UInt64
    /// The max_ack_delay the receiver must use from now on, in microseconds.
    public var requestedMaxAckDelay: UInt64
    /// Acknowledge at once when a packet is missing this many packet numbers below the largest
    /// received (0: never for reordering alone).
    public var reorderingThreshold: UInt64

    public init(sequenceNumber: UInt64, ackElicitingThreshold: UInt64, requestedMaxAckDelay: UInt64, reorderingThreshold: UInt64) {
        self.sequenceNumber = sequenceNumber
        self.ackElicitingThreshold = ackElicitingThreshold
        self.requestedMaxAckDelay = requestedMaxAckDelay
        self.reorderingThreshold = reorderingThreshold
    }
}
