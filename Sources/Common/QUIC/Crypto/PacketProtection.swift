import Crypto
import _CryptoExtras
import Foundation

/// Packet-protection keys for one direction, one encryption level and one key phase (RFC 9001 §5).
///
/// Derives the AEAD key, IV and header-protection key from a traffic secret once, at construction;
/// sealing and opening a packet then costs one AEAD operation.
///
/// `@unchecked Sendable`: swift-crypto's `SymmetricKey` is not marked Sendable, but the keys here are
/// immutable after construction and never mutated through shared storage.
public struct PacketProtection: @unchecked Sendable {
    /// The negotiated cipher suite, which picks the AEAD, the header-protection cipher and the hash.
    public let suite: CipherSuite
    /// The traffic secret these keys come from.
    public let secret: [UInt8]

    private let aeadKey: SymmetricKey
    private let iv: [UInt8]
    private let headerProtectionKey: SymmetricKey

    /// Derives key, IV and header-protection key from `secret` with HKDF-Expand-Label
    /// "quic key", "quic iv" and "quic hp" (RFC 9001 §5.1).
    public init(suite: CipherSuite, secret: [UInt8]) {
        let hp = HKDFExpandLabel.expand(secret: secret, label: "quic hp", length: suite.keyLength, suite: suite)
        self.init(suite: suite, secret: secret, headerProtectionKey: SymmetricKey(data: hp))
    }

    private init(suite: CipherSuite, secret: [UInt8], headerProtectionKey: SymmetricKey) {
        self.suite = suite
        self.secret = secret
        let key = HKDFExpandLabel.expand(secret: secret, label: "quic key", length: suite.keyLength, suite: suite)
        self.aeadKey = SymmetricKey(data: key)
        self.iv = HKDFExpandLabel.expand(secret: secret, label: "quic iv", length: suite.ivLength, suite: suite)
        self.headerProtectionKey = headerProtectionKey
    }

    /// Length in bytes of the AEAD authentication tag appended to every payload.
    public var tagLength: Int { 16 }

    /// The AEAD key bytes (for tests and key logging).
    public var keyBytes: [UInt8] { aeadKey.withUnsafeBytes { Array($0) } }
    /// The IV bytes (for tests and key logging).
    public var ivBytes: [UInt8] { iv }
    /// The header-protection key bytes (for tests and key logging).
    public var headerProtectionKeyBytes: [UInt8] { headerProtectionKey.withUnsafeBytes { Array($0) } }

    /// The per-packet nonce: the IV XORed with the packet number, left-padded to the IV length (RFC 9001 §5.3).
    private func nonce(packetNumber: UInt64) -> [UInt8] {
        var nonce = iv
        var pn = packetNumber
        var index = nonce.count - 1
        while pn != 0 && index >= 0 {
            nonce[index] ^= UInt8(truncatingIfNeeded: pn)
            pn >>= 8
            index -= 1
        }
        return nonce
    }

    /// AEAD-seals `payload`: the nonce is IV XOR packet number (RFC 9001 §5.3), the associated data is
    /// the unprotected header. Returns ciphertext followed by the tag.
    public func seal(payload: ArraySlice<UInt8>, packetNumber: UInt64, header: ArraySlice<UInt8>) -> [UInt8] {
        let nonceBytes = nonce(packetNumber: packetNumber)
        // The key and nonce sizes are fixed by the suite, so these calls cannot fail.
        switch suite {
        case .aes128GCMSHA256, .aes256GCMSHA384:
            // swiftlint:disable:next force_try
            let box = try! AES.GCM.seal(payload, using: aeadKey, nonce: try! AES.GCM.Nonce(data: nonceBytes), authenticating: header)
            return Self.concatenate(box.ciphertext, box.tag)
        case .chacha20Poly1305SHA256:
            let box = try! ChaChaPoly.seal(payload, using: aeadKey, nonce: try! ChaChaPoly.Nonce(data: nonceBytes), authenticating: header)
            return Self.concatenate(box.ciphertext, box.tag)
        }
    }

    /// AEAD-opens `ciphertext` (payload followed by tag) with the same nonce and associated data as `seal`.
    /// Throws `PacketProtectionError.decryptionFailed` when authentication fails.
    public func open(ciphertext: ArraySlice<UInt8>, packetNumber: UInt64, header: ArraySlice<UInt8>) throws(PacketProtectionError) -> [UInt8] {
        guard ciphertext.count >= tagLength else { throw .packetTooShort }
        let split = ciphertext.endIndex - tagLength
        let body = ciphertext[ciphertext.startIndex..<split]
        let tag = ciphertext[split...]
        let nonceBytes = nonce(packetNumber: packetNumber)
        do {
            switch suite {
            case .aes128GCMSHA256, .aes256GCMSHA384:
                let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: nonceBytes), ciphertext: body, tag: tag)
                return Array(try AES.GCM.open(box, using: aeadKey, authenticating: header))
            case .chacha20Poly1305SHA256:
                let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: nonceBytes), ciphertext: body, tag: tag)
                return Array(try ChaChaPoly.open(box, using: aeadKey, authenticating: header))
            }
        } catch {
            throw .decryptionFailed
        }
    }

    /// The 5-byte header-protection mask for a 16-byte ciphertext sample (RFC 9001 §5.4.3, §5.4.4).
    /// Returns an all-zero mask if `sample` is not 16 bytes long (callers check the length first).
    public func headerProtectionMask(sample: ArraySlice<UInt8>) -> [UInt8] {
        guard sample.count == 16 else { return [0, 0, 0, 0, 0] }
        switch suite {
        case .aes128GCMSHA256, .aes256GCMSHA384:
            var block = Array(sample)
            do {
                try AES.permute(&block, key: headerProtectionKey)
            } catch {
                return [0, 0, 0, 0, 0]
            }
            return Array(block[0..<5])
        case .chacha20Poly1305SHA256:
            // counter = sample[0..<4] as little-endian UInt32, nonce = sample[4..<16]; mask = ChaCha20(zeros).
            let start = sample.startIndex
            do {
                let counter = try Insecure.ChaCha20CTR.Counter(data: sample[start..<start + 4])
                let nonce = try Insecure.ChaCha20CTR.Nonce(data: sample[(start + 4)...])
                let mask = try Insecure.ChaCha20CTR.encrypt([UInt8](repeating: 0, count: 5), using: headerProtectionKey, counter: counter, nonce: nonce)
                return Array(mask)
            } catch {
                return [0, 0, 0, 0, 0]
            }
        }
    }

    /// Keys for the next key phase: secret' = HKDF-Expand-Label(secret, "quic ku", "", hash length);
    /// the header-protection key stays the same (RFC 9001 §6).
    public func nextKeyPhase() -> PacketProtection {
        let next = HKDFExpandLabel.expand(secret: secret, label: "quic ku", length: suite.hashLength, suite: suite)
        return PacketProtection(suite: suite, secret: next, headerProtectionKey: headerProtectionKey)
    }

    private static func concatenate(_ ciphertext: Data, _ tag: Data) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(ciphertext.count + tag.count)
        out.append(contentsOf: ciphertext)
        out.append(contentsOf: tag)
        return out
    }
}
