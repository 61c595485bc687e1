import QUIC

/// Failures the async QUIC API reports.
public enum QUICIOError: Error, Equatable, CustomStringConvertible {
    /// The connection closed (or failed to establish) for this reason.
    case connectionClosed(ConnectionCloseReason)
    /// The peer reset the stream (RESET_STREAM) with this application error code.
    case streamReset(errorCode: UInt64)
    /// The peer asked us to stop sending (STOP_SENDING) with this application error code.
    case stopSending(errorCode: UInt64)
    /// A stream command was refused by the QUIC core.
    case stream(StreamError)
    /// The endpoint was shut down.
    case endpointClosed
    /// A host name could not be resolved or an address was invalid.
    case badAddress(String)
    /// The handshake did not complete in time.
    case timedOut
    /// More data arrived than the caller's limit.
    case tooLarge(limit: Int)

    public var description: String {
        switch self {
        case .connectionClosed(let r): return "connection closed: \(r)"
        case .streamReset(let c): return "stream reset by peer (code \(c))"
        case .stopSending(let c): return "peer sent STOP_SENDING (code \(c))"
        case .stream(let e): return "stream error: \(e)"
        case .endpointClosed: return "endpoint closed"
        case .badAddress(let a): return "bad address: \(a)"
        case .timedOut: return "timed out"
        case .tooLarge(let limit): return "more than \(limit) bytes"
        }
    }
}
