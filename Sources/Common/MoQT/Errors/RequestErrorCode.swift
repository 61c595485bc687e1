/// A REQUEST_ERROR error code (draft-18 §15.10.2). Unknown codes survive decoding.
public struct RequestErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The code's value on the wire.
    public let rawValue: UInt64
    /// Wraps a wire value.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// INTERNAL_ERROR: An implementation or generic error.
    public static let internalError = RequestErrorCode(rawValue: 0x0)
    /// UNAUTHORIZED: Not authorized for this request.
    public static let unauthorized = RequestErrorCode(rawValue: 0x1)
    /// TIMEOUT: Could not complete in time.
    public static let timeout = RequestErrorCode(rawValue: 0x2)
    /// NOT_SUPPORTED: The request type is not supported.
    public static let notSupported = RequestErrorCode(rawValue: 0x3)
    /// MALFORMED_AUTH_TOKEN: The auth token is invalid.
    public static let malformedAuthToken = RequestErrorCode(rawValue: 0x4)
    /// EXPIRED_AUTH_TOKEN: The auth token has expired.
    public static let expiredAuthToken = RequestErrorCode(rawValue: 0x5)
    /// GOING_AWAY: The responder is going away.
    public static let goingAway = RequestErrorCode(rawValue: 0x6)
    /// EXCESSIVE_LOAD: The responder is overloaded.
    public static let excessiveLoad = RequestErrorCode(rawValue: 0x9)
    /// DOES_NOT_EXIST: No such track or namespace.
    public static let doesNotExist = RequestErrorCode(rawValue: 0x10)
    /// INVALID_RANGE: The filter or range cannot be satisfied.
    public static let invalidRange = RequestErrorCode(rawValue: 0x11)
    /// MALFORMED_TRACK: The track was found malformed.
    public static let malformedTrack = RequestErrorCode(rawValue: 0x12)
    /// DUPLICATE_SUBSCRIPTION: A subscription with this role exists.
    public static let duplicateSubscription = RequestErrorCode(rawValue: 0x19)
    /// UNINTERESTED: The subscriber does not want this track or namespace.
    public static let uninterested = RequestErrorCode(rawValue: 0x20)
    /// PREFIX_OVERLAP: The prefix overlaps another subscription of this type.
    public static let prefixOverlap = RequestErrorCode(rawValue: 0x30)
    /// NAMESPACE_TOO_LARGE: The prefix matches too much.
    public static let namespaceTooLarge = RequestErrorCode(rawValue: 0x31)
    /// INVALID_JOINING_REQUEST_ID: The joined subscription does not exist.
    public static let invalidJoiningRequestID = RequestErrorCode(rawValue: 0x32)
    /// CONFLICTING_FILTERS (draft-22): too many disjoint filters to serve upstream.
    public static let conflictingFilters = RequestErrorCode(rawValue: 0x35)
    /// INVALID_FILTER (draft-22): a Range Filter the request may not carry.
    public static let invalidFilter = RequestErrorCode(rawValue: 0x36)
    /// UNSUPPORTED_EXTENSION: A mandatory track property is not understood.
    public static let unsupportedExtension = RequestErrorCode(rawValue: 0x33)
    /// REDIRECT: Retry elsewhere; the message carries a Redirect.
    public static let redirect = RequestErrorCode(rawValue: 0x34)

    /// Every code draft-18 defines.
    public static let allKnown: [RequestErrorCode] = [.internalError, .unauthorized, .timeout, .notSupported, .malformedAuthToken, .expiredAuthToken, .goingAway, .excessiveLoad, .doesNotExist, .invalidRange, .malformedTrack, .duplicateSubscription, .uninterested, .prefixOverlap, .namespaceTooLarge, .invalidJoiningRequestID, .unsupportedExtension, .redirect]

    /// The draft's name for a known code, else the hex value.
    public var name: String {
        switch self {
        case .internalError: return "INTERNAL_ERROR"
        case .unauthorized: return "UNAUTHORIZED"
        case .timeout: return "TIMEOUT"
        case .notSupported: return "NOT_SUPPORTED"
        case .malformedAuthToken: return "MALFORMED_AUTH_TOKEN"
        case .expiredAuthToken: return "EXPIRED_AUTH_TOKEN"
        case .goingAway: return "GOING_AWAY"
        case .excessiveLoad: return "EXCESSIVE_LOAD"
        case .doesNotExist: return "DOES_NOT_EXIST"
        case .invalidRange: return "INVALID_RANGE"
        case .malformedTrack: return "MALFORMED_TRACK"
        case .duplicateSubscription: return "DUPLICATE_SUBSCRIPTION"
        case .uninterested: return "UNINTERESTED"
        case .prefixOverlap: return "PREFIX_OVERLAP"
        case .namespaceTooLarge: return "NAMESPACE_TOO_LARGE"
        case .invalidJoiningRequestID: return "INVALID_JOINING_REQUEST_ID"
        case .unsupportedExtension: return "UNSUPPORTED_EXTENSION"
        case .redirect: return "REDIRECT"
        case .conflictingFilters: return "CONFLICTING_FILTERS"
        case .invalidFilter: return "INVALID_FILTER"
        default: return "0x" + String(rawValue, radix: 16)
        }
    }

    /// The name, for logs.
    public var description: String { name }
}
