import QUIC

extension TLSConfiguration {
    /// The default suites with TLS_CHACHA20_POLY1305_SHA256 first.
    public static let chaCha20FirstCipherSuites: [CipherSuite] = [.chacha20Poly1305SHA256, .aes128GCMSHA256, .aes256GCMSHA384]

    /// This configuration preferring TLS_CHACHA20_POLY1305_SHA256, the only suite the kernel fast path
    /// can encrypt (docs/FASTPATH-CRYPTO.md): ChaCha20-Poly1305 moves to the front of `cipherSuites` (and
    /// joins them if it was not there), and a server chooses in that order rather than the client's.
    /// Without the server's precedence GnuTLS follows the client's order, and most clients list AES-GCM
    /// first. A client that does not offer ChaCha20-Poly1305 still gets an AES-GCM suite.
    public func preferringChaCha20Poly1305() -> TLSConfiguration {
        var copy = self
        let current = cipherSuites ?? [.aes128GCMSHA256, .aes256GCMSHA384, .chacha20Poly1305SHA256]
        copy.cipherSuites = [.chacha20Poly1305SHA256] + current.filter { $0 != .chacha20Poly1305SHA256 }
        copy.serverCipherSuitePrecedence = true
        return copy
    }
}
