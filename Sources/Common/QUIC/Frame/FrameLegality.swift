/// The one table deciding which frame types each packet type may carry (RFC 9000 §12.4, Table 3).
/// A frame outside its allowed packet types is a PROTOCOL_VIOLATION.
public enum FrameLegality {
    /// The packet types a frame can appear in.
    public struct PacketTypes: OptionSet, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let initial = PacketTypes(rawValue: 1)
        public static let zeroRTT = PacketTypes(rawValue: 2)
        public static let handshake = PacketTypes(rawValue: 4)
        public static let oneRTT = PacketTypes(rawValue: 8)
        static let all: PacketTypes = [.initial, .zeroRTT, .handshake, .oneRTT]
        static let ih1: PacketTypes = [.initial, .handshake, .oneRTT]
        static let app: PacketTypes = [.zeroRTT, .oneRTT]
    }

    /// Allowed packet types per frame type.
    public static func allowed(frameType: UInt64) -> PacketTypes {
        switch frameType {
        case FrameType.padding, FrameType.ping, FrameType.connectionCloseTransport: return .all
        case FrameType.ack, FrameType.ackECN, FrameType.crypto: return .ih1
        case FrameType.newToken, FrameType.pathResponse, FrameType.handshakeDone, FrameType.immediateAck: return .oneRTT
        case FrameType.ackFrequency: return .app
        case FrameType.resetStream, FrameType.stopSending, 0x08...0x0f, FrameType.maxData, FrameType.maxStreamData,
             FrameType.maxStreamsBidi, FrameType.maxStreamsUni, FrameType.dataBlocked, FrameType.streamDataBlocked,
             FrameType.streamsBlockedBidi, FrameType.streamsBlockedUni, FrameType.newConnectionID,
             FrameType.retireConnectionID, FrameType.pathChallenge, FrameType.connectionCloseApplication,
             FrameType.datagram, FrameType.datagramWithLength:
            return .app
        default: return []
        }
    }

    /// The packet-type bit for an encryption level.
    public static func packetType(for level: EncryptionLevel) -> PacketTypes {
        switch level {
        case .initial: return .initial
        case .zeroRTT: return .zeroRTT
        case .handshake: return .handshake
        case .oneRTT: return .oneRTT
        }
    }

    /// Throws PROTOCOL_VIOLATION when `frame` may not appear at `level`.
    public static func check(_ frame: Frame, at level: EncryptionLevel) throws(QUICError) {
        let type = frame.typeValue
        guard allowed(frameType: type).contains(packetType(for: level)) else {
            throw QUICError(.protocolViolation, frameType: type, "frame not allowed in \(level) packets")
        }
    }
}
