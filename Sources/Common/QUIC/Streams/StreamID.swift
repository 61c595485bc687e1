/// Stream ID arithmetic (RFC 9000 §2.1): bit 0 is the initiator (0 client, 1 server), bit 1 the
/// direction (0 bidirectional, 1 unidirectional); the rest is the index within that type.
public enum StreamID {
    /// The stream's initiator.
    public static func initiator(_ id: UInt64) -> ConnectionRole { id & 1 == 0 ? .client : .server }
    /// True for bidirectional streams.
    public static func isBidirectional(_ id: UInt64) -> Bool { id & 2 == 0 }
    /// The index within the stream's type (0, 1, 2, ...).
    public static func index(_ id: UInt64) -> UInt64 { id >> 2 }
    /// The ID of stream `index` of a type.
    public static func make(index: UInt64, initiator: ConnectionRole, bidirectional: Bool) -> UInt64 {
        index << 2 | (initiator == .server ? 1 : 0) | (bidirectional ? 0 : 2)
    }
}
