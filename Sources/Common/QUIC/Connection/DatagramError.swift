/// Why a DATAGRAM (RFC 9221) could not be queued.
public enum DatagramError: Error, Equatable, Sendable {
    /// The peer did not advertise max_datagram_frame_size (or the handshake is not done yet).
    case notSupportedByPeer
    /// Larger than fits in one packet or than the peer accepts; see `maxDatagramPayloadSize`.
    case tooLarge(maximum: Int)
    /// The connection is closing or closed.
    case connectionClosed
}
