/// The Token Aliases a peer registered (draft-18 §10.2.2), bounded by the
/// MAX_AUTH_TOKEN_CACHE_SIZE this side announced (§10.3.1.3; absent = 0, no aliases).
///
/// `resolve` turns the tokens of one message into what they stand for: REGISTER registers the
/// alias and is used as its value, USE_ALIAS is looked up, DELETE retires the alias and authorises
/// nothing; the result holds only `.useValue`. An alias registered by a message stays registered
/// even when that message is refused afterwards (UNAUTHORIZED), as §10.2.2 requires.
public struct AuthTokenCache: Sendable {
    /// Bytes of registered tokens this side accepts (16 + Token Value length each).
    public let limit: UInt64
    /// Bytes registered now.
    public private(set) var size: UInt64 = 0
    private var entries: [UInt64: (type: UInt64, value: [UInt8])] = [:]

    /// An empty cache accepting `limit` bytes of registered tokens.
    public init(limit: UInt64) { self.limit = limit }

    /// How many aliases are registered.
    public var count: Int { entries.count }

    /// The size a registered token counts for (§10.3.1.3).
    public static func entrySize(_ value: [UInt8]) -> UInt64 { 16 + UInt64(value.count) }

    /// Resolves the tokens of a request message (or REQUEST_UPDATE).
    ///
    /// REGISTER of an alias in use: DUPLICATE_AUTH_TOKEN_ALIAS; a registration past the limit:
    /// AUTH_TOKEN_CACHE_OVERFLOW; USE_ALIAS or DELETE of an alias not registered:
    /// UNKNOWN_AUTH_TOKEN_ALIAS (the draft defines that code for sessions only).
    public mutating func resolve(_ tokens: [AuthorizationToken]) throws -> [AuthorizationToken] {
        var out: [AuthorizationToken] = []
        for t in tokens {
            switch t {
            case .useValue:
                out.append(t)
            case .register(let alias, let type, let value):
                guard entries[alias] == nil else {
                    throw MoQTError(.duplicateAuthTokenAlias, "token alias \(alias) is already registered")
                }
                let (total, overflow) = size.addingReportingOverflow(Self.entrySize(value))
                guard !overflow, total <= limit else {
                    throw MoQTError(.authTokenCacheOverflow, "registering token alias \(alias) exceeds MAX_AUTH_TOKEN_CACHE_SIZE \(limit)")
                }
                entries[alias] = (type, value)
                size = total
                out.append(.useValue(type: type, value: value))
            case .useAlias(let alias):
                guard let e = entries[alias] else { throw MoQTError(.unknownAuthTokenAlias, "token alias \(alias) is not registered") }
                out.append(.useValue(type: e.type, value: e.value))
            case .delete(let alias):
                guard let e = entries.removeValue(forKey: alias) else {
                    throw MoQTError(.unknownAuthTokenAlias, "token alias \(alias) to delete is not registered")
                }
                size -= Self.entrySize(e.value)
            }
        }
        return out
    }

    /// Resolves the AUTHORIZATION TOKEN options of the peer's SETUP (§10.3.1.4): a REGISTER that
    /// would exceed the limit is used as USE_VALUE and not registered. (DELETE and USE_ALIAS in a
    /// client's SETUP are refused before this.)
    public mutating func resolveSetup(_ tokens: [AuthorizationToken]) -> [AuthorizationToken] {
        tokens.compactMap { t in
            switch t {
            case .useValue:
                return t
            case .register(let alias, let type, let value):
                let (total, overflow) = size.addingReportingOverflow(Self.entrySize(value))
                if entries[alias] == nil, !overflow, total <= limit {
                    entries[alias] = (type, value)
                    size = total
                }
                return .useValue(type: type, value: value)
            case .useAlias, .delete:
                return nil
            }
        }
    }
}
