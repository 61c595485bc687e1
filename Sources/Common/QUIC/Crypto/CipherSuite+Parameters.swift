/// Key and hash sizes each cipher suite uses for QUIC packet protection (RFC 9001 §5.3).
extension CipherSuite {
    /// Length in bytes of the AEAD key and of the header-protection key.
    public var keyLength: Int {
        switch self {
        case .aes128GCMSHA256: return 16
        case .aes256GCMSHA384, .chacha20Poly1305SHA256: return 32
        }
    }

    /// Output length in bytes of the suite's hash, which is also the traffic-secret length.
    public var hashLength: Int {
        switch self {
        case .aes128GCMSHA256, .chacha20Poly1305SHA256: return 32
        case .aes256GCMSHA384: return 48
        }
    }

    /// Length in bytes of the AEAD nonce (and of the derived IV).
    public var ivLength: Int { 12 }
}
