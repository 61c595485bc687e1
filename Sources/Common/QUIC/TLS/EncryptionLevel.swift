/// The four QUIC encryption levels (RFC 9001 §2.1). Packet number spaces follow from them:
/// Initial, Handshake, and Application (0-RTT and 1-RTT share one).
public enum EncryptionLevel: Int, CaseIterable, Sendable, Comparable {
    case initial = 0
    case zeroRTT = 1
    case handshake = 2
    case oneRTT = 3

    public static func < (lhs: EncryptionLevel, rhs: EncryptionLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The TLS 1.3 cipher suites QUIC packet protection supports (RFC 9001 §5.3).
public enum CipherSuite: UInt16, Sendable, CaseIterable {
    case aes128GCMSHA256 = 0x1301
    case aes256GCMSHA384 = 0x1302
    case chacha20Poly1305SHA256 = 0x1303
}
