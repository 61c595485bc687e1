/// Failures of a test case that are not transport errors.
enum InteropError: Error, CustomStringConvertible {
    /// An echoed datagram matched nothing we sent.
    case datagramMismatch(Int)
    /// Datagrams never came back.
    case datagramsMissing(Int)

    var description: String {
        switch self {
        case .datagramMismatch(let n): return "an echoed datagram (\(n) bytes) matches nothing we sent"
        case .datagramsMissing(let n): return "\(n) datagrams were never echoed"
        }
    }
}
