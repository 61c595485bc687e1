/// An application error code for RESET_STREAM / STOP_SENDING on MoQT streams (draft-18 §3.3.3).
public struct StreamResetCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code's value on the wire.
    public let rawValue: UInt64
    /// Wraps a wire value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// INTERNAL_ERROR: An implementation error.
    public static let internalError = StreamResetCode(rawValue: 0x0)
    /// CANCELLED: The stream was cancelled.
    public static let cancelled = StreamResetCode(rawValue: 0x1)
    /// DELIVERY_TIMEOUT: A delivery timeout was exceeded.
    public static let deliveryTimeout = StreamResetCode(rawValue: 0x2)
    /// SESSION_CLOSED: The session is closing.
    public static let sessionClosed = StreamResetCode(rawValue: 0x3)
    /// GOING_AWAY: The endpoint is going away.
    public static let goingAway = StreamResetCode(rawValue: 0x4)
    /// TOO_FAR_BEHIND: The subscription exceeded resource limits.
    public static let tooFarBehind = StreamResetCode(rawValue: 0x5)
    /// UNKNOWN_OBJECT_STATUS: A fetched object's status is unknown.
    public static let unknownObjectStatus = StreamResetCode(rawValue: 0x6)
    /// EXPIRED_AUTH_TOKEN: The request's auth token expired.
    public static let expiredAuthToken = StreamResetCode(rawValue: 0x7)
    /// EXCESSIVE_LOAD: The endpoint is overloaded.
    public static let excessiveLoad = StreamResetCode(rawValue: 0x9)
    /// MALFORMED_TRACK: The track was found malformed.
    public static let malformedTrack = StreamResetCode(rawValue: 0x12)

    /// Every code draft-18 defines.
    public static let allKnown: [StreamResetCode] = [.internalError, .cancelled, .deliveryTimeout, .sessionClosed, .goingAway, .tooFarBehind, .unknownObjectStatus, .expiredAuthToken, .excessiveLoad, .malformedTrack]

    /// The draft's name for a known code, else the hex value.
    public var name: String {
        switch self {
        case .internalError: return "INTERNAL_ERROR"
        case .cancelled: return "CANCELLED"
        case .deliveryTimeout: return "DELIVERY_TIMEOUT"
        case .sessionClosed: return "SESSION_CLOSED"
        case .goingAway: return "GOING_AWAY"
        case .tooFarBehind: return "TOO_FAR_BEHIND"
        case .unknownObjectStatus: return "UNKNOWN_OBJECT_STATUS"
        case .expiredAuthToken: return "EXPIRED_AUTH_TOKEN"
        case .excessiveLoad: return "EXCESSIVE_LOAD"
        case .malformedTrack: return "MALFORMED_TRACK"
        default: return "0x" + String(rawValue, radix: 16)
        }
    }

    /// The name, for logs.
    public var description: String { name }
}
