import Crypto

/// TLS 1.3's HKDF-Expand-Label (RFC 8446 §7.1) and HKDF-Extract, with the hash picked by cipher suite.
/// QUIC derives its packet-protection keys with them (RFC 9001 §5.1).
public enum HKDFExpandLabel {
    /// HKDF-Expand-Label(secret, label, context, length) using the suite's hash.
    /// `label` is given without the "tls13 " prefix.
    public static func expand(secret: [UInt8], label: String, context: [UInt8] = [], length: Int, suite: CipherSuite) -> [UInt8] {
        let info = hkdfLabel(label: label, context: context, length: length)
        let prk = SymmetricKey(data: secret)
        switch suite {
        case .aes128GCMSHA256, .chacha20Poly1305SHA256:
            return HKDF<SHA256>.expand(pseudoRandomKey: prk, info: info, outputByteCount: length).withUnsafeBytes { Array($0) }
        case .aes256GCMSHA384:
            return HKDF<SHA384>.expand(pseudoRandomKey: prk, info: info, outputByteCount: length).withUnsafeBytes { Array($0) }
        }
    }

    /// HKDF-Extract(salt, inputKeyMaterial) with SHA-256, as the Initial secrets use (RFC 9001 §5.2).
    public static func extractSHA256(salt: [UInt8], inputKeyMaterial: [UInt8]) -> [UInt8] {
        let prk = HKDF<SHA256>.extract(inputKeyMaterial: SymmetricKey(data: inputKeyMaterial), salt: salt)
        return Array(prk)
    }

    /// The serialized HkdfLabel structure: length, "tls13 " + label, context.
    static func hkdfLabel(label: String, context: [UInt8], length: Int) -> [UInt8] {
        let fullLabel = Array("tls13 ".utf8) + Array(label.utf8)
        var info: [UInt8] = []
        info.reserveCapacity(4 + fullLabel.count + context.count)
        info.append(UInt8(truncatingIfNeeded: length >> 8))
        info.append(UInt8(truncatingIfNeeded: length))
        info.append(UInt8(truncatingIfNeeded: fullLabel.count))
        info.append(contentsOf: fullLabel)
        info.append(UInt8(truncatingIfNeeded: context.count))
        info.append(contentsOf: context)
        return info
    }
}
