/// The options of a SETUP message (draft-18 §10.3.1); the same namespace in every draft.
public struct SetupOptions: Hashable, Sendable {
    /// PATH: the URI's path-abempty plus `?query` (client, native QUIC only).
    public var path: String?
    /// AUTHORITY: the URI's authority (client, native QUIC only).
    public var authority: String?
    /// MOQT_IMPLEMENTATION: name and version of the sender.
    public var implementation: String?
    /// MAX_AUTH_TOKEN_CACHE_SIZE in bytes (default 0: no aliases).
    public var maxAuthTokenCacheSize: UInt64?
    /// AUTHORIZATION_TOKEN options.
    public var authorizationTokens: [AuthorizationToken] = []
    /// draft-22 MAX_FILTER_RANGES (absent = 0: no Range Filter may be sent to this side).
    public var maxFilterRanges: UInt64?
    /// draft-22 MAX_REQUEST_UPDATES (absent = 0: no limit).
    public var maxRequestUpdates: UInt64?
    /// Options this implementation does not know, kept as received.
    public var unknown: [KeyValuePair] = []

    /// No options.
    public init(path: String? = nil, authority: String? = nil, implementation: String? = nil) {
        self.path = path
        self.authority = authority
        self.implementation = implementation
    }
}
