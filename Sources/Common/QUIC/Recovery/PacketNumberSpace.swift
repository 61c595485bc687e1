/// The three packet number spaces (RFC 9000 §12.3).
public enum PacketNumberSpace: Int, CaseIterable, Sendable, Comparable {
    case initial = 0
    case handshake = 1
    /// 0-RTT and 1-RTT packets.
    case application = 2

    /// The space of an encryption level.
    public init(_ level: EncryptionLevel) {
        switch level {
        case .initial: self = .initial
        case .handshake: self = .handshake
        case .zeroRTT, .oneRTT: self = .application
        }
    }

    /// The level we send at in this space (1-RTT for application data).
    public var sendLevel: EncryptionLevel {
        switch self {
        case .initial: return .initial
        case .handshake: return .handshake
        case .application: return .oneRTT
        }
    }

    public static func < (lhs: PacketNumberSpace, rhs: PacketNumberSpace) -> Bool { lhs.rawValue < rhs.rawValue }
}
