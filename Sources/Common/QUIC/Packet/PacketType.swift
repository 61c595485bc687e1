/// The kind of a QUIC v1 packet (RFC 9000 §17).
public enum PacketType: Sendable, Equatable {
    case initial
    case zeroRTT
    case handshake
    case retry
    /// A 1-RTT packet (short header).
    case oneRTT
    case versionNegotiation

    /// The long-header type bits (0x30 of the first byte, shifted) for long-header types.
    var longTypeBits: UInt8? {
        switch self {
        case .initial: return 0
        case .zeroRTT: return 1
        case .handshake: return 2
        case .retry: return 3
        default: return nil
        }
    }

    /// The encryption level protecting this packet type.
    public var encryptionLevel: EncryptionLevel? {
        switch self {
        case .initial: return .initial
        case .zeroRTT: return .zeroRTT
        case .handshake: return .handshake
        case .oneRTT: return .oneRTT
        default: return nil
        }
    }
}
