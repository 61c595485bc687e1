import MoQT

/// Failures of MoQT sessions over QUIC.
public enum MoQTNetError: Error, Equatable, CustomStringConvertible {
    /// The session closed (or never became ready).
    case sessionClosed(code: SessionErrorCode, reason: String)
    /// A `moqt://` URL could not be used.
    case badURL(String)

    public var description: String {
        switch self {
        case .sessionClosed(let code, let reason): return "session closed (\(code)): \(reason)"
        case .badURL(let url): return "bad URL '\(url)' (expected moqt://HOST:PORT)"
        }
    }
}
