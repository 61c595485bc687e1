/// How an object travels: on a subgroup stream or in a datagram (draft-18 §11.2.1).
public enum ObjectForwardingPreference: Hashable, Sendable {
    /// On the stream of subgroup `id`.
    case subgroup(UInt64)
    /// In a datagram (no subgroup).
    case datagram
}
