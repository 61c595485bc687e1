import Wire

extension Draft18 {
    /// What a unidirectional stream carries, from its first vi64 (§3.4).
    public enum UniStreamType: Hashable, Sendable {
        /// A subgroup stream with this SUBGROUP_HEADER type.
        case subgroup(UInt64)
        /// A fetch response stream (0x05).
        case fetch
        /// The peer's control stream (begins with SETUP, 0x2F00).
        case control
        /// A padding stream (0x132B3E28).
        case padding

        /// Padding stream type.
        public static let paddingType: UInt64 = 0x132B3E28

        /// Classifies a stream type value; unknown or reserved types are PROTOCOL_VIOLATION.
        public static func classify(_ type: UInt64) throws -> UniStreamType {
            switch type {
            case FetchHeader.streamType: return .fetch
            case Setup.messageType: return .control
            case paddingType: return .padding
            default:
                if SubgroupHeader.isValidType(type) { return .subgroup(type) }
                throw MoQTError.protocolViolation("unknown unidirectional stream type 0x\(String(type, radix: 16))")
            }
        }
    }
}
