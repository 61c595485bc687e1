/// A record of a sent packet kept until it is acknowledged or declared lost (RFC 9002 §A.1.1).
package struct SentPacket: Sendable {
    package var packetNumber: UInt64
    package var space: PacketNumberSpace
    package var timeSent: QUICTime
    /// Bytes on the wire (counted against the congestion window when in flight).
    package var sentBytes: Int
    package var ackEliciting: Bool
    /// True when the packet counts towards bytes in flight (ack-eliciting or padded).
    package var inFlight: Bool
    /// The frames it carried.
    package var frames: [SentFrame]

    package init(packetNumber: UInt64, space: PacketNumberSpace, timeSent: QUICTime, sentBytes: Int,
                 ackEliciting: Bool, inFlight: Bool, frames: [SentFrame]) {
        self.packetNumber = packetNumber
        self.space = space
        self.timeSent = timeSent
        self.sentBytes = sentBytes
        self.ackEliciting = ackEliciting
        self.inFlight = inFlight
        self.frames = frames
    }
}
