/// The Token structure carried by AUTHORIZATION_TOKEN parameters and setup options (draft-18 §10.2.2).
public enum AuthorizationToken: Hashable, Sendable {
    /// Retire `alias`.
    case delete(alias: UInt64)
    /// Register `alias` for (`type`, `value`) and use it.
    case register(alias: UInt64, type: UInt64, value: [UInt8])
    /// Use the token previously registered as `alias`.
    case useAlias(alias: UInt64)
    /// Use (`type`, `value`) without registering it.
    case useValue(type: UInt64, value: [UInt8])

    /// The Alias Type code on the wire.
    public var aliasType: UInt64 {
        switch self {
        case .delete: return 0x0
        case .register: return 0x1
        case .useAlias: return 0x2
        case .useValue: return 0x3
        }
    }
}
