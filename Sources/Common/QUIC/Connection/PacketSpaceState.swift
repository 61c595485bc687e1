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
    package var cryptoSend = SendBuffer()
    package var cryptoReceive = ReassemblyBuffer()
    /// PTO probes still to send.
    package var probesPending = 0
    package var discarded = false

    package init() {}

    /// The ACK frame for what we received, at most `maxRanges` ranges, highest first.
    package func makeAckFrame(now: QUICTime, ackDelayExponent: UInt64, maxRanges: Int = 32) -> AckFrame? {
        guard !received.isEmpty else { return nil }
        var ranges: [ClosedRange<UInt64>] = []
        for r in received.ranges.reversed().prefix(maxRanges) { ranges.append(r.lowerBound...(r.upperBound - 1)) }
        let delay = largestReceivedTime.map { (now - $0).microseconds >> ackDelayExponent } ?? 0
        return AckFrame(ranges: ranges, ackDelay: delay)
    }
}
