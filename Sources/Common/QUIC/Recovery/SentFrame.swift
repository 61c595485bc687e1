/// What a sent packet carried, described well enough to act when the packet is acknowledged
/// or lost: lost *data* is re-queued (stream and crypto ranges, control frames refreshed with
/// current values), never the packet bytes. Packets sent by someone else (the kernel fast path)
/// are registered with these descriptions too.
package enum SentFrame: Sendable, Equatable {
    case stream(streamID: UInt64, offset: UInt64, length: Int, fin: Bool)
    case crypto(space: PacketNumberSpace, offset: UInt64, length: Int)
    /// An ACK frame with this Largest Acknowledged.
    case ack(largestAcknowledged: UInt64)
    case resetStream(streamID: UInt64)
    case stopSending(streamID: UInt64)
    case maxData
    case maxStreamData(streamID: UInt64)
    case maxStreams(bidirectional: Bool)
    case dataBlocked
    case streamDataBlocked(streamID: UInt64)
    case streamsBlocked(bidirectional: Bool)
    case newConnectionID(sequenceNumber: UInt64)
    case retireConnectionID(sequenceNumber: UInt64)
    case handshakeDone
    /// ACK_FREQUENCY with this sequence number.
    case ackFrequency(sequenceNumber: UInt64)
    case immediateAck
    case newToken
    case ping
    case pathChallenge
    case pathResponse
    case datagram
    case connectionClose
    case padding
}
