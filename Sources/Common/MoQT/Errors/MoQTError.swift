import Wire

/// A MoQT protocol error: the session termination code to close with, plus a reason for humans.
///
/// Every decoder in this module reports bad input as a `MoQTError`; "the bytes are incomplete" is
/// reported separately (as `DecodeError.needMoreData` or a `nil`/`.needMoreData` result), never
/// as an error code. Two errors compare equal when their codes do; the reason is diagnostic only.
public struct MoQTError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The code to close the session with.
    public let code: SessionErrorCode
    /// Why, for logs; never parsed.
    public let reason: String

    /// An error with `code` and a human-readable `reason`.
    public init(_ code: SessionErrorCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// A PROTOCOL_VIOLATION.
    public static func protocolViolation(_ reason: String) -> MoQTError { MoQTError(.protocolViolation, reason) }
    /// A KEY_VALUE_FORMATTING_ERROR.
    public static func keyValueFormatting(_ reason: String) -> MoQTError { MoQTError(.keyValueFormattingError, reason) }

    /// Equal when the codes are.
    public static func == (lhs: MoQTError, rhs: MoQTError) -> Bool { lhs.code == rhs.code }

    /// `CODE: reason`.
    public var description: String { "\(code.name): \(reason)" }

    /// Maps any error thrown while decoding a region whose full length is known (a framed message, a
    /// bounded property block) to a `MoQTError`: running out of bytes inside such a region means the
    /// declared length was wrong, a PROTOCOL_VIOLATION.
    public static func bounded(_ error: any Error, _ context: String) -> MoQTError {
        if let e = error as? MoQTError { return e }
        switch error as? DecodeError {
        case .needMoreData?: return .protocolViolation("\(context): fields run past the declared length")
        case .malformed(let why)?: return .protocolViolation("\(context): \(why)")
        case nil: return .protocolViolation("\(context): \(error)")
        }
    }
}
