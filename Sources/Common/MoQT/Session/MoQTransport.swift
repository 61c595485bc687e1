/// The transport a `MoQTSession` drives: one QUIC connection (or WebTransport session) seen
/// through the few operations MoQT needs. The session calls it synchronously from the thread
/// that feeds it input (the QUIC connection's event loop), so an adapter must not call back into
/// the session from inside these methods.
///
/// Stream IDs are the transport's; the session assumes QUIC's numbering only to tell a
/// unidirectional stream (bit 0x2 set) from a bidirectional one when it sees data on a stream it
/// was not told about.
public protocol MoQTransport: AnyObject {
    /// Opens a locally initiated stream and returns its ID.
    func openStream(bidirectional: Bool) throws -> UInt64
    /// Offers bytes to a stream's send side and returns how many were accepted (0...bytes.count).
    /// Fewer than offered is back-pressure: the session keeps the rest and retries after
    /// `MoQTSession.handleStreamWritable(streamID:)`.
    func write(streamID: UInt64, bytes: [UInt8]) throws -> Int
    /// Ends a stream's send side (FIN) after every accepted byte.
    func finish(streamID: UInt64) throws
    /// Abandons a stream's send side (RESET_STREAM).
    func resetStream(streamID: UInt64, errorCode: UInt64) throws
    /// Asks the peer to stop sending on a stream (STOP_SENDING).
    func stopSending(streamID: UInt64, errorCode: UInt64) throws
    /// Closes the whole connection with an application error code.
    func close(errorCode: UInt64, reason: String)
    /// Tells the send scheduler how urgent a stream is; an adapter may ignore it.
    func setPriority(streamID: UInt64, priority: MoQTStreamPriority)
    /// Sends one unreliable datagram (QUIC DATAGRAM frame).
    func sendDatagram(_ bytes: [UInt8]) throws
}

extension MoQTransport {
    /// No scheduling hints by default.
    public func setPriority(streamID: UInt64, priority: MoQTStreamPriority) {}
    /// Datagrams are unsupported by default.
    public func sendDatagram(_ bytes: [UInt8]) throws { throw MoQTSessionError.datagramsUnsupported }
}
