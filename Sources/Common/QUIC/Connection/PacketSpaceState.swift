/// Per packet-number-space state of a connection: packet numbers, what to acknowledge, and
/// the CRYPTO stream of that space's encryption level.
package struct PacketSpaceState {
    package var nextPacketNumber: UInt64 = 0
    /// Packet numbers received and still worth acknowledging.
    package var received = RangeSet()
    package var largestReceived: UInt64?
    package var largestReceivedTime: QUICTime?
    /// Packets below this are treated as duplicates (their ACK was acknowledged).
    package var ignoreBelow: UInt64 = 0
    package var ackElicitingSinceAck = 0
    /// An ACK frame should be sent (at or after `ackDeadline`).
    package var ackPending = false
    package var ackDeadline: QUICTime?
    /// The largest packet number of the last ACK frame sent (holes below it were reported).
    package var ackSentLargest: UInt64?
    package var cryptoSend = SendBuffer()
    package var cryptoReceive = ReassemblyBuffer()
    /// Where the in-order CRYPTO bytes of this level stand in TLS handshake message framing.
    package var handshakeFraming = HandshakeMessageFraming()
    /// PTO probes still to send.
    package var probesPending = 0
    package var discarded = false

    package init() {}

    /// With the peer's ACK_FREQUENCY reordering threshold `threshold` (draft-ietf-quic-ack-frequency
    /// §6.1), after receiving `packetNumber`: true when a packet arrived `threshold` or more behind the
    /// largest (`wasLargest`, before it), or a packet not yet reported missing lies `threshold` or more
    /// below the largest received. Either way the sender's loss detector wants to know now.
    package func reorderingExceeds(_ threshold: UInt64, packetNumber: UInt64, wasLargest: UInt64?) -> Bool {
        guard let largest = largestReceived else { return false }
        if let was = wasLargest, packetNumber < was { return was - packetNumber >= threshold }
        var missing = ackSentLargest.map { $0 + 1 } ?? (received.ranges.first?.lowerBound ?? largest)
        for r in received.ranges where r.upperBound > missing {
            if r.lowerBound > missing { break }
            missing = r.upperBound
        }
        return missing < largest && largest - missing >= threshold
    }

    /// The ACK frame for what we received, at most `maxRanges` ranges, highest first.
    package func makeAckFrame(now: QUICTime, ackDelayExponent: UInt64, maxRanges: Int = 32) -> AckFrame? {
        guard !received.isEmpty else { return nil }
        var ranges: [ClosedRange<UInt64>] = []
        for r in received.ranges.reversed().prefix(maxRanges) { ranges.append(r.lowerBound...(r.upperBound - 1)) }
        let delay = largestReceivedTime.map { (now - $0).microseconds >> ackDelayExponent } ?? 0
        return AckFrame(ranges: ranges, ackDelay: delay)
    }
}
