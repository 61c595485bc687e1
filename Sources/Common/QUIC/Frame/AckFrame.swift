/// An ACK or ACK_ECN frame (RFC 9000 §19.3).
public struct AckFrame: Equatable, Sendable {
    /// Acknowledged packet numbers as closed ranges, highest first; never empty.
    public var ranges: [ClosedRange<UInt64>]
    /// The encoded ACK Delay field (microseconds >> ack_delay_exponent).
    public var ackDelay: UInt64
    /// ECN counts (ACK_ECN, type 0x03) when present.
    public var ecn: ECNCounts?

    /// ECT(0), ECT(1) and ECN-CE counts.
    public struct ECNCounts: Equatable, Sendable {
        public var ect0: UInt64
        public var ect1: UInt64
        public var ce: UInt64
        public init(ect0: UInt64, ect1: UInt64, ce: UInt64) { self.ect0 = ect0; self.ect1 = ect1; self.ce = ce }
    }

    /// An ACK frame; `ranges` must be non-empty, descending and non-adjacent.
    public init(ranges: [ClosedRange<UInt64>], ackDelay: UInt64, ecn: ECNCounts? = nil) {
        precondition(!ranges.isEmpty, "an ACK frame acknowledges at least one packet")
        self.ranges = ranges
        self.ackDelay = ackDelay
        self.ecn = ecn
    }

    /// The largest acknowledged packet number.
    public var largestAcknowledged: UInt64 { ranges[0].upperBound }
}
