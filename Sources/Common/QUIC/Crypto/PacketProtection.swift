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
    /// Expanded AES keys (nil for ChaCha20-Poly1305, which goes through swift-crypto).
    private let cipher: PacketCipher?

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
        switch suite {
        case .aes128GCMSHA256, .aes256GCMSHA384:
            self.cipher = PacketCipher(aes256: suite == .aes256GCMSHA384, key: key,
                                       headerProtectionKey: headerProtectionKey.withUnsafeBytes { Array($0) })
        case .chacha20Poly1305SHA256:
            self.cipher = nil
        }
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

    /// Calls `body` with the per-packet nonce in stack memory (no allocation).
    @inline(__always)
    private func withNonce<R>(packetNumber: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        var storage: (UInt64, UInt64) = (0, 0)
        return withUnsafeMutableBytes(of: &storage) { raw -> R in
            let n = iv.count
            iv.withUnsafeBytes { raw.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            var pn = packetNumber
            var index = n - 1
            while pn != 0 && index >= 0 {
                raw[index] ^= UInt8(truncatingIfNeeded: pn)
                pn >>= 8
                index -= 1
            }
            return body(UnsafeRawBufferPointer(rebasing: raw[0..<n]))
        }
    }

    /// Appends the sealed `payload` (ciphertext and tag) to `packet`, whose bytes are the unprotected
    /// header (the associated data), and applies header protection (RFC 9001 §5.3, §5.4) with the
    /// packet number at `packetNumberOffset`. One allocation at most (growing `packet`), no copies
    /// beyond the encryption itself.
    public func sealPacket(_ packet: inout [UInt8], payload: [UInt8], packetNumber: UInt64,
                           packetNumberOffset: Int, packetNumberLength: Int) {
        guard let cipher else {
            packet += seal(payload: payload[...], packetNumber: packetNumber, header: packet[...])
            HeaderProtection.apply(packet: &packet, packetNumberOffset: packetNumberOffset,
                                   packetNumberLength: packetNumberLength, protection: self)
            return
        }
        let headerLength = packet.count
        let total = headerLength + payload.count + tagLength
        packet.reserveCapacity(total)
        packet.append(contentsOf: repeatElement(0, count: payload.count + tagLength))
        let ok = withNonce(packetNumber: packetNumber) { nonce in
            payload.withUnsafeBytes { plain in
                packet.withUnsafeMutableBytes { out in
                    cipher.seal(nonce: nonce, header: UnsafeRawBufferPointer(rebasing: out[0..<headerLength]), plaintext: plain,
                                output: UnsafeMutableRawBufferPointer(rebasing: out[headerLength..<total]))
                }
            }
        }
        precondition(ok, "AES-GCM seal failed")
        HeaderProtection.apply(packet: &packet, packetNumberOffset: packetNumberOffset,
                               packetNumberLength: packetNumberLength, protection: self)
    }

    /// AEAD-seals `payload`: the nonce is IV XOR packet number (RFC 9001 §5.3), the associated data is
    /// the unprotected header. Returns ciphertext followed by the tag.
    public func seal(payload: ArraySlice<UInt8>, packetNumber: UInt64, header: ArraySlice<UInt8>) -> [UInt8] {
        if let cipher {
            var out = [UInt8](repeating: 0, count: payload.count + tagLength)
            let ok = withNonce(packetNumber: packetNumber) { nonce in
                payload.withUnsafeBytes { plain in
                    header.withUnsafeBytes { aad in
                        out.withUnsafeMutableBytes { cipher.seal(nonce: nonce, header: aad, plaintext: plain, output: $0) }
                    }
                }
            }
            precondition(ok, "AES-GCM seal failed")
            return out
        }
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
        if let cipher {
            let plainLength = ciphertext.count - tagLength
            var failed = false
            let out = [UInt8](unsafeUninitializedCapacity: plainLength) { buffer, count in
                failed = !withNonce(packetNumber: packetNumber) { nonce in
                    ciphertext.withUnsafeBytes { sealed in
                        header.withUnsafeBytes { aad in
                            cipher.open(nonce: nonce, header: aad, ciphertext: sealed, output: UnsafeMutableRawBufferPointer(buffer))
                        }
                    }
                }
                if failed { buffer.initialize(repeating: 0) }
                count = plainLength
            }
            if failed { throw .decryptionFailed }
            return out
        }
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

    /// The header-protection mask for the 16 sample bytes at `sampleStart` of `packet`, as five bytes in
    /// the low 40 bits of the result (mask[0] in the lowest byte), without allocating. Same mask as
    /// `headerProtectionMask(sample:)`; the caller guarantees the 16 bytes exist.
    func headerProtectionMaskBits(packet: [UInt8], sampleStart: Int) -> UInt64 {
        if let cipher {
            var mask: (UInt64, UInt64) = (0, 0)
            let ok = withUnsafeMutableBytes(of: &mask) { out in
                packet.withUnsafeBytes { cipher.encryptBlock(UnsafeRawBufferPointer(rebasing: $0[sampleStart..<sampleStart + 16]), output: out) }
            }
            return ok ? UInt64(littleEndian: mask.0) & 0xff_ffff_ffff : 0
        }
        let bytes = headerProtectionMask(sample: packet[sampleStart..<sampleStart + 16])
        var bits: UInt64 = 0
        for (i, b) in bytes.prefix(5).enumerated() { bits |= UInt64(b) << (8 * UInt64(i)) }
        return bits
    }

    /// The 5-byte header-protection mask for a 16-byte ciphertext sample (RFC 9001 §5.4.3, §5.4.4).
    /// Returns an all-zero mask if `sample` is not 16 bytes long (callers check the length first).
    public func headerProtectionMask(sample: ArraySlice<UInt8>) -> [UInt8] {
        guard sample.count == 16 else { return [0, 0, 0, 0, 0] }
        switch suite {
        case .aes128GCMSHA256, .aes256GCMSHA384:
            if let cipher {
                var mask: (UInt64, UInt64) = (0, 0)
                let ok = withUnsafeMutableBytes(of: &mask) { out in
                    sample.withUnsafeBytes { cipher.encryptBlock($0, output: out) }
                }
                guard ok else { return [0, 0, 0, 0, 0] }
                return withUnsafeBytes(of: &mask) { Array($0[0..<5]) }
            }
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
