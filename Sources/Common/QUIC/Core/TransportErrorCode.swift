/// A QUIC transport error code (RFC 9000 §20.1), carried in CONNECTION_CLOSE frames of type 0x1c.
///
/// A struct over the raw value rather than a closed enum: peers may send codes we do not know,
/// and CRYPTO_ERROR spans the range 0x0100-0x01ff (one code per TLS alert).
public struct TransportErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The wire value.
    public var rawValue: UInt64
    /// Wraps a wire value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// NO_ERROR: graceful close.
    public static let noError = TransportErrorCode(rawValue: 0x00)
    /// INTERNAL_ERROR: an implementation error.
    public static let internalError = TransportErrorCode(rawValue: 0x01)
    /// CONNECTION_REFUSED: the server refuses the connection.
    public static let connectionRefused = TransportErrorCode(rawValue: 0x02)
    /// FLOW_CONTROL_ERROR: more data than the advertised limits.
    public static let flowControlError = TransportErrorCode(rawValue: 0x03)
    /// STREAM_LIMIT_ERROR: a stream beyond the advertised stream limit.
    public static let streamLimitError = TransportErrorCode(rawValue: 0x04)
    /// STREAM_STATE_ERROR: a frame for a stream in a state that does not allow it.
    public static let streamStateError = TransportErrorCode(rawValue: 0x05)
    /// FINAL_SIZE_ERROR: the final size changed or data went past it.
    public static let finalSizeError = TransportErrorCode(rawValue: 0x06)
    /// FRAME_ENCODING_ERROR: a badly formatted frame.
    public static let frameEncodingError = TransportErrorCode(rawValue: 0x07)
    /// TRANSPORT_PARAMETER_ERROR: malformed, invalid or missing transport parameters.
    public static let transportParameterError = TransportErrorCode(rawValue: 0x08)
    /// CONNECTION_ID_LIMIT_ERROR: more connection IDs than the advertised limit.
    public static let connectionIDLimitError = TransportErrorCode(rawValue: 0x09)
    /// PROTOCOL_VIOLATION: a generic protocol violation.
    public static let protocolViolation = TransportErrorCode(rawValue: 0x0a)
    /// INVALID_TOKEN: an invalid Retry token.
    public static let invalidToken = TransportErrorCode(rawValue: 0x0b)
    /// APPLICATION_ERROR: the application closed before the handshake was confirmed.
    public static let applicationError = TransportErrorCode(rawValue: 0x0c)
    /// CRYPTO_BUFFER_EXCEEDED: too much buffered CRYPTO data.
    public static let cryptoBufferExceeded = TransportErrorCode(rawValue: 0x0d)
    /// KEY_UPDATE_ERROR: an invalid key update.
    public static let keyUpdateError = TransportErrorCode(rawValue: 0x0e)
    /// AEAD_LIMIT_REACHED: too many packets protected with one key.
    public static let aeadLimitReached = TransportErrorCode(rawValue: 0x0f)
    /// NO_VIABLE_PATH: no path can carry the connection.
    public static let noViablePath = TransportErrorCode(rawValue: 0x10)

    /// CRYPTO_ERROR for a TLS alert: 0x0100 + alert (RFC 9001 §4.8).
    public static func crypto(alert: UInt8) -> TransportErrorCode { TransportErrorCode(rawValue: 0x100 + UInt64(alert)) }

    /// The TLS alert when this is a CRYPTO_ERROR.
    public var tlsAlert: UInt8? { (0x100...0x1ff).contains(rawValue) ? UInt8(rawValue - 0x100) : nil }

    public var description: String {
        let names: [UInt64: String] = [
            0x00: "NO_ERROR", 0x01: "INTERNAL_ERROR", 0x02: "CONNECTION_REFUSED", 0x03: "FLOW_CONTROL_ERROR",
            0x04: "STREAM_LIMIT_ERROR", 0x05: "STREAM_STATE_ERROR", 0x06: "FINAL_SIZE_ERROR", 0x07: "FRAME_ENCODING_ERROR",
            0x08: "TRANSPORT_PARAMETER_ERROR", 0x09: "CONNECTION_ID_LIMIT_ERROR", 0x0a: "PROTOCOL_VIOLATION",
            0x0b: "INVALID_TOKEN", 0x0c: "APPLICATION_ERROR", 0x0d: "CRYPTO_BUFFER_EXCEEDED", 0x0e: "KEY_UPDATE_ERROR",
            0x0f: "AEAD_LIMIT_REACHED", 0x10: "NO_VIABLE_PATH",
        ]
        if let name = names[rawValue] { return name }
        if let alert = tlsAlert { return "CRYPTO_ERROR(alert \(alert))" }
        return "0x" + String(rawValue, radix: 16)
    }
}
