/// Why a connection ended.
public enum ConnectionCloseReason: Equatable, Sendable, CustomStringConvertible {
    /// We closed with a transport error (our CONNECTION_CLOSE 0x1c).
    case localTransportError(QUICError)
    /// The peer closed with a transport error.
    case peerTransportError(QUICError)
    /// We closed at the application's request.
    case localApplicationClose(errorCode: UInt64, reason: String)
    /// The peer's application closed (CONNECTION_CLOSE 0x1d).
    case peerApplicationClose(errorCode: UInt64, reason: String)
    /// No packet arrived within the idle timeout.
    case idleTimeout
    /// The server offered no version we speak.
    case versionNegotiationFailed
    /// The peer sent a stateless reset (it lost the connection's state).
    case statelessReset

    public var description: String {
        switch self {
        case .localTransportError(let e): return "local transport error \(e)"
        case .peerTransportError(let e): return "peer transport error \(e)"
        case .localApplicationClose(let c, let r): return "local application close \(c) \(r)"
        case .peerApplicationClose(let c, let r): return "peer application close \(c) \(r)"
        case .idleTimeout: return "idle timeout"
        case .versionNegotiationFailed: return "version negotiation failed"
        case .statelessReset: return "stateless reset"
        }
    }
}
