/// A PUBLISH_DONE status code (draft-18 §15.10.3). Unknown codes survive decoding.
public struct PublishDoneCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code's value on the wire.
    public let rawValue: UInt64
    /// Wraps a wire value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// INTERNAL_ERROR: An implementation or generic error.
    public static let internalError = PublishDoneCode(rawValue: 0x0)
    /// UNAUTHORIZED: No longer authorized.
    public static let unauthorized = PublishDoneCode(rawValue: 0x1)
    /// TRACK_ENDED: The track is no longer published.
    public static let trackEnded = PublishDoneCode(rawValue: 0x2)
    /// SUBSCRIPTION_ENDED: The end of the subscription's filter was reached.
    public static let subscriptionEnded = PublishDoneCode(rawValue: 0x3)
    /// GOING_AWAY: A GOAWAY was issued.
    public static let goingAway = PublishDoneCode(rawValue: 0x4)
    /// TOO_FAR_BEHIND: The subscriber's queue exceeded the publisher's limit.
    public static let tooFarBehind = PublishDoneCode(rawValue: 0x5)
    /// EXPIRED: The subscription expired.
    public static let expired = PublishDoneCode(rawValue: 0x6)
    /// UPDATE_FAILED: A REQUEST_UPDATE failed.
    public static let updateFailed = PublishDoneCode(rawValue: 0x8)
    /// EXCESSIVE_LOAD: The publisher is overloaded.
    public static let excessiveLoad = PublishDoneCode(rawValue: 0x9)
    /// MALFORMED_TRACK: The track was found malformed.
    public static let malformedTrack = PublishDoneCode(rawValue: 0x12)

    /// Every code draft-18 defines.
    public static let allKnown: [PublishDoneCode] = [.internalError, .unauthorized, .trackEnded, .subscriptionEnded, .goingAway, .tooFarBehind, .expired, .updateFailed, .excessiveLoad, .malformedTrack]

    /// The draft's name for a known code, else the hex value.
    public var name: String {
        switch self {
        case .internalError: return "INTERNAL_ERROR"
        case .unauthorized: return "UNAUTHORIZED"
        case .trackEnded: return "TRACK_ENDED"
        case .subscriptionEnded: return "SUBSCRIPTION_ENDED"
        case .goingAway: return "GOING_AWAY"
        case .tooFarBehind: return "TOO_FAR_BEHIND"
        case .expired: return "EXPIRED"
        case .updateFailed: return "UPDATE_FAILED"
        case .excessiveLoad: return "EXCESSIVE_LOAD"
        case .malformedTrack: return "MALFORMED_TRACK"
        default: return "0x" + String(rawValue, radix: 16)
        }
    }

    /// The name, for logs.
    public var description: String { name }
}
