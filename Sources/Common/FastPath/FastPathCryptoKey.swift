/// One direction's QUIC 1-RTT keys for one key phase, in the layout of `struct fpc_key`
/// (bpf/fp_crypto.h): the 32-byte AEAD key, the 32-byte header-protection key, the 12-byte IV and four
/// reserved bytes, 80 bytes in all. Only ChaCha20-Poly1305 (TLS_CHACHA20_POLY1305_SHA256) keys fit.
public struct FastPathCryptoKey: Sendable, Equatable {
    /// Size of `struct fpc_key`.
    public static let byteCount = 80

    /// The AEAD key ("quic key", 32 bytes).
    public let key: [UInt8]
    /// The IV ("quic iv", 12 bytes).
    public let iv: [UInt8]
    /// The header-protection key ("quic hp", 32 bytes).
    public let headerProtectionKey: [UInt8]

    /// Throws `invalidArgument` unless the key and header-protection key are 32 bytes and the IV 12.
    public init(key: [UInt8], iv: [UInt8], headerProtectionKey: [UInt8]) throws {
        guard key.count == 32, headerProtectionKey.count == 32, iv.count == 12 else {
            throw FastPathError(.invalidArgument,
                                "ChaCha20-Poly1305 keys are 32 bytes and the IV 12 (got \(key.count), \(headerProtectionKey.count), \(iv.count))")
        }
        self.key = key
        self.iv = iv
        self.headerProtectionKey = headerProtectionKey
    }

    /// The 80 bytes of `struct fpc_key`.
    public var bytes: [UInt8] { key + headerProtectionKey + iv + [0, 0, 0, 0] }

    /// The AEAD nonce for `packetNumber`: the IV XOR the packet number, left-padded big-endian
    /// (RFC 9001 §5.3), as `fpc_quic_nonce` computes it in the kernel.
    public func nonce(packetNumber: UInt64) -> [UInt8] {
        var nonce = iv
        for i in 0..<8 { nonce[4 + i] ^= UInt8(truncatingIfNeeded: packetNumber >> (56 - 8 * UInt64(i))) }
        return nonce
    }
}
