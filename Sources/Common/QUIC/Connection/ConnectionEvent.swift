/// What the connection tells the application, in order (see `Connection.pollEvent()`).
public enum ConnectionEvent: Equatable, Sendable {
    /// The handshake completed; `alpn` is the negotiated application protocol.
    case handshakeCompleted(alpn: String?)
    /// The peer opened a stream.
    case streamOpened(streamID: UInt64)
    /// New data (or the end of the stream) can be read with `read(streamID:)`.
    case streamReadable(streamID: UInt64)
    /// Every byte of the stream has arrived (read what remains; the last read reports `isFinished`).
    case streamFinished(streamID: UInt64)
    /// The peer reset its sending side (RESET_STREAM).
    case streamReset(streamID: UInt64, errorCode: UInt64)
    /// The peer asked us to stop sending (STOP_SENDING); the stream was reset in reply.
    case stopSendingReceived(streamID: UInt64, errorCode: UInt64)
    /// A stream whose write was refused for lack of buffer space can take more data.
    case streamWritable(streamID: UInt64)
    /// The peer raised its stream limit: new streams of this direction may be opened.
    case streamsAvailable(bidirectional: Bool)
    /// A DATAGRAM frame arrived (RFC 9221).
    case datagramReceived([UInt8])
    /// The connection closed (or started closing); nothing more will be delivered.
    case connectionClosed(ConnectionCloseReason)
}
