/// A QUIC transport error: the code sent in CONNECTION_CLOSE, the type of the frame that caused it
/// (when known) and a human-readable reason. Two errors are equal when their codes are: tests
/// assert codes, never reasons.
public struct QUICError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The transport error code.
    public var code: TransportErrorCode
    /// The frame type that triggered the error, if any.
    public var frameType: UInt64?
    /// Why, for humans.
    public var reason: String

    /// Creates an error.
    public init(_ code: TransportErrorCode, frameType: UInt64? = nil, _ reason: String = "") {
        self.code = code
        self.frameType = frameType
        self.reason = reason
    }

    public static func == (lhs: QUICError, rhs: QUICError) -> Bool { lhs.code == rhs.code }

    public var description: String {
        var s = "\(code)"
        if let frameType { s += " (frame 0x\(String(frameType, radix: 16)))" }
        if !reason.isEmpty { s += ": \(reason)" }
        return s
    }
}
