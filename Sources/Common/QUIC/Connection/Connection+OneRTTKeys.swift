/// One direction's 1-RTT packet-protection material for one key phase (RFC 9001 §5.1, §6): what the
/// kernel fast path installs in its key maps.
public struct OneRTTKeyMaterial: Sendable, Equatable {
    /// The key phase these keys belong to (the short header's key-phase bit).
    public let keyPhase: Bool
    /// The traffic secret.
    public let secret: [UInt8]
    /// The AEAD key ("quic key").
    public let key: [UInt8]
    /// The IV ("quic iv").
    public let iv: [UInt8]
    /// The header-protection key ("quic hp"); the same in every key phase (RFC 9001 §6.1).
    public let headerProtectionKey: [UInt8]

    init(_ protection: PacketProtection, keyPhase: Bool) {
        self.keyPhase = keyPhase
        secret = protection.secret
        key = protection.keyBytes
        iv = protection.ivBytes
        headerProtectionKey = protection.headerProtectionKeyBytes
    }
}

/// A connection's current 1-RTT keys in both directions and the next key phase's, derived ahead
/// ("quic ku"), so the next phase can be installed before either side switches to it.
public struct OneRTTKeys: Sendable, Equatable {
    /// The negotiated cipher suite.
    public let suite: CipherSuite
    /// The current key phase bit.
    public let keyPhase: Bool
    /// Key updates so far (either side's).
    public let keyUpdates: Int
    /// The handshake is confirmed (RFC 9001 §4.1.2): only then may a key update start.
    public let handshakeConfirmed: Bool
    /// Opens the peer's packets in the current phase.
    public let read: OneRTTKeyMaterial
    /// Seals our packets in the current phase.
    public let write: OneRTTKeyMaterial
    /// Opens the peer's packets in the next phase.
    public let nextRead: OneRTTKeyMaterial
    /// Seals our packets in the next phase.
    public let nextWrite: OneRTTKeyMaterial
}

extension Connection {
    /// The negotiated cipher suite, once 1-RTT (or Handshake) keys exist.
    public var negotiatedCipherSuite: CipherSuite? {
        (writeKeys[EncryptionLevel.oneRTT.rawValue] ?? writeKeys[EncryptionLevel.handshake.rawValue])?.suite
    }

    /// The current and next-phase 1-RTT keys; nil before the 1-RTT keys exist in both directions, after
    /// they are discarded, and for a cleartext connection (no keys in use). A snapshot: read it again
    /// after a key update (`keyUpdates` changes).
    public var oneRTTKeys: OneRTTKeys? {
        guard !cleartext, let read = readKeys[EncryptionLevel.oneRTT.rawValue],
              let write = writeKeys[EncryptionLevel.oneRTT.rawValue] else { return nil }
        let next = !keyPhase
        return OneRTTKeys(suite: write.suite, keyPhase: keyPhase, keyUpdates: keyUpdates, handshakeConfirmed: handshakeConfirmed,
                          read: OneRTTKeyMaterial(read, keyPhase: keyPhase), write: OneRTTKeyMaterial(write, keyPhase: keyPhase),
                          nextRead: OneRTTKeyMaterial(nextReadKeys ?? read.nextKeyPhase(), keyPhase: next),
                          nextWrite: OneRTTKeyMaterial(write.nextKeyPhase(), keyPhase: next))
    }
}
