/// A session termination error code (draft-18 §15.10.1), sent when closing the connection.
///
/// A struct rather than a closed enum so codes from newer drafts or greasing survive decoding;
/// the known codes are static members and compare equal by wire value.
public struct SessionErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code's value on the wire.
    public let rawValue: UInt64
    /// Wraps a wire value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Graceful close.
    public static let noError = SessionErrorCode(rawValue: 0x0)
    /// An implementation fault.
    public static let internalError = SessionErrorCode(rawValue: 0x1)
    /// The peer is not authorized.
    public static let unauthorized = SessionErrorCode(rawValue: 0x2)
    /// The peer broke a protocol rule (the default for malformed input).
    public static let protocolViolation = SessionErrorCode(rawValue: 0x3)
    /// A request ID was reused, out of order or otherwise invalid.
    public static let invalidRequestID = SessionErrorCode(rawValue: 0x4)
    /// A track alias names two tracks at once.
    public static let duplicateTrackAlias = SessionErrorCode(rawValue: 0x5)
    /// A known key-value type carried a value of the wrong shape.
    public static let keyValueFormattingError = SessionErrorCode(rawValue: 0x6)
    /// The PATH setup option is not served here.
    public static let invalidPath = SessionErrorCode(rawValue: 0x8)
    /// The PATH setup option is not a valid path.
    public static let malformedPath = SessionErrorCode(rawValue: 0x9)
    /// draft-22: a REQUEST_UPDATE past the MAX_REQUEST_UPDATES this side sent.
    public static let tooManyRequestUpdates = SessionErrorCode(rawValue: 0x1B)
    /// The peer did not leave after GOAWAY in time.
    public static let goawayTimeout = SessionErrorCode(rawValue: 0x10)
    /// A control message did not arrive in time.
    public static let controlMessageTimeout = SessionErrorCode(rawValue: 0x11)
    /// A data stream stalled too long.
    public static let dataStreamTimeout = SessionErrorCode(rawValue: 0x12)
    /// The auth token cache limit was exceeded.
    public static let authTokenCacheOverflow = SessionErrorCode(rawValue: 0x13)
    /// An auth token alias was registered twice.
    public static let duplicateAuthTokenAlias = SessionErrorCode(rawValue: 0x14)
    /// No common protocol version.
    public static let versionNegotiationFailed = SessionErrorCode(rawValue: 0x15)
    /// An auth token could not be parsed.
    public static let malformedAuthToken = SessionErrorCode(rawValue: 0x16)
    /// An auth token alias is not registered.
    public static let unknownAuthTokenAlias = SessionErrorCode(rawValue: 0x17)
    /// An auth token has expired.
    public static let expiredAuthToken = SessionErrorCode(rawValue: 0x18)
    /// The AUTHORITY setup option is not served here.
    public static let invalidAuthority = SessionErrorCode(rawValue: 0x19)
    /// The AUTHORITY setup option is not a valid authority.
    public static let malformedAuthority = SessionErrorCode(rawValue: 0x1A)

    /// Every code draft-18 defines, for tables and tests.
    public static let allKnown: [SessionErrorCode] = [
        .noError, .internalError, .unauthorized, .protocolViolation, .invalidRequestID, .duplicateTrackAlias,
        .keyValueFormattingError, .invalidPath, .malformedPath, .goawayTimeout, .controlMessageTimeout,
        .dataStreamTimeout, .authTokenCacheOverflow, .duplicateAuthTokenAlias, .versionNegotiationFailed,
        .malformedAuthToken, .unknownAuthTokenAlias, .expiredAuthToken, .invalidAuthority, .malformedAuthority,
    ]

    /// The draft's name for a known code, else the hex value.
    public var name: String {
        switch self {
        case .noError: return "NO_ERROR"
        case .internalError: return "INTERNAL_ERROR"
        case .unauthorized: return "UNAUTHORIZED"
        case .protocolViolation: return "PROTOCOL_VIOLATION"
        case .invalidRequestID: return "INVALID_REQUEST_ID"
        case .duplicateTrackAlias: return "DUPLICATE_TRACK_ALIAS"
        case .keyValueFormattingError: return "KEY_VALUE_FORMATTING_ERROR"
        case .invalidPath: return "INVALID_PATH"
        case .malformedPath: return "MALFORMED_PATH"
        case .goawayTimeout: return "GOAWAY_TIMEOUT"
        case .controlMessageTimeout: return "CONTROL_MESSAGE_TIMEOUT"
        case .dataStreamTimeout: return "DATA_STREAM_TIMEOUT"
        case .authTokenCacheOverflow: return "AUTH_TOKEN_CACHE_OVERFLOW"
        case .duplicateAuthTokenAlias: return "DUPLICATE_AUTH_TOKEN_ALIAS"
        case .versionNegotiationFailed: return "VERSION_NEGOTIATION_FAILED"
        case .malformedAuthToken: return "MALFORMED_AUTH_TOKEN"
        case .unknownAuthTokenAlias: return "UNKNOWN_AUTH_TOKEN_ALIAS"
        case .expiredAuthToken: return "EXPIRED_AUTH_TOKEN"
        case .invalidAuthority: return "INVALID_AUTHORITY"
        case .malformedAuthority: return "MALFORMED_AUTHORITY"
        case .tooManyRequestUpdates: return "TOO_MANY_REQUEST_UPDATES"
        default: return "0x" + String(rawValue, radix: 16)
        }
    }

    /// The name, for logs.
    public var description: String { name }
}
