import CGnuTLS
import Foundation

/// AES-GCM packet protection and AES header protection with keys expanded once (RFC 9001 §5.3, §5.4.3).
///
/// swift-crypto's `AES.GCM` expands the key schedule and the GHASH table on every call and moves the
/// bytes through `Data`; for 1-RTT packets that cost more than the cipher itself. This class keeps one
/// GnuTLS AEAD handle (AES-GCM) and one block-cipher handle (AES-CBC with a zero IV over a single block,
/// which is AES-ECB of that block, i.e. the RFC 9001 §5.4.3 mask) per key, and encrypts straight into
/// caller-provided memory. Handles carry per-call state (IV), so every call takes a lock: a
/// `PacketProtection` may be shared between threads.
final class PacketCipher: @unchecked Sendable {
    private var aead: gnutls_aead_cipher_hd_t?
    private var block: gnutls_cipher_hd_t?
    private let lock = NSLock()
    private let blockLength: Int

    /// Creates the handles, or returns nil when GnuTLS refuses the keys (the caller then falls back to
    /// swift-crypto). `aes256` picks AES-256 instead of AES-128.
    init?(aes256: Bool, key: [UInt8], headerProtectionKey: [UInt8]) {
        blockLength = 16
        var aeadHandle: gnutls_aead_cipher_hd_t?
        var blockHandle: gnutls_cipher_hd_t?
        var aeadKey = key
        var hpKey = headerProtectionKey
        var zeroIV = [UInt8](repeating: 0, count: 16)
        let ok = aeadKey.withUnsafeMutableBytes { k -> Bool in
            var datum = gnutls_datum_t(data: k.baseAddress?.assumingMemoryBound(to: UInt8.self), size: UInt32(k.count))
            return gnutls_aead_cipher_init(&aeadHandle, aes256 ? GNUTLS_CIPHER_AES_256_GCM : GNUTLS_CIPHER_AES_128_GCM, &datum) == 0
        } && hpKey.withUnsafeMutableBytes { k -> Bool in
            zeroIV.withUnsafeMutableBytes { iv -> Bool in
                var keyDatum = gnutls_datum_t(data: k.baseAddress?.assumingMemoryBound(to: UInt8.self), size: UInt32(k.count))
                var ivDatum = gnutls_datum_t(data: iv.baseAddress?.assumingMemoryBound(to: UInt8.self), size: UInt32(iv.count))
                return gnutls_cipher_init(&blockHandle, aes256 ? GNUTLS_CIPHER_AES_256_CBC : GNUTLS_CIPHER_AES_128_CBC, &keyDatum, &ivDatum) == 0
            }
        }
        aead = aeadHandle
        block = blockHandle
        guard ok, aeadHandle != nil, blockHandle != nil else { return nil }
    }

    deinit {
        if let aead { gnutls_aead_cipher_deinit(aead) }
        if let block { gnutls_cipher_deinit(block) }
    }

    /// Encrypts `plaintext` and writes ciphertext followed by the 16-byte tag to `output`, which must
    /// hold `plaintext.count + 16` bytes. Returns false if GnuTLS fails (it does not for valid sizes).
    func seal(nonce: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer, plaintext: UnsafeRawBufferPointer,
              output: UnsafeMutableRawBufferPointer) -> Bool {
        precondition(output.count >= plaintext.count + 16)
        var written = output.count
        lock.lock(); defer { lock.unlock() }
        return gnutls_aead_cipher_encrypt(aead, nonce.baseAddress, nonce.count, header.baseAddress, header.count, 16,
                                          plaintext.baseAddress, plaintext.count, output.baseAddress, &written) == 0
            && written == plaintext.count + 16
    }

    /// Authenticates and decrypts `ciphertext` (payload followed by the 16-byte tag) into `output`
    /// (at least `ciphertext.count - 16` bytes). Returns false when authentication fails.
    func open(nonce: UnsafeRawBufferPointer, header: UnsafeRawBufferPointer, ciphertext: UnsafeRawBufferPointer,
              output: UnsafeMutableRawBufferPointer) -> Bool {
        guard ciphertext.count >= 16, output.count >= ciphertext.count - 16 else { return false }
        var written = output.count
        lock.lock(); defer { lock.unlock() }
        return gnutls_aead_cipher_decrypt(aead, nonce.baseAddress, nonce.count, header.baseAddress, header.count, 16,
                                          ciphertext.baseAddress, ciphertext.count, output.baseAddress, &written) == 0
            && written == ciphertext.count - 16
    }

    /// AES of one 16-byte block (the header-protection mask input); writes 16 bytes to `output`.
    func encryptBlock(_ input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) -> Bool {
        guard input.count == blockLength, output.count >= blockLength else { return false }
        var zeroIV: (UInt64, UInt64) = (0, 0)
        lock.lock(); defer { lock.unlock() }
        withUnsafeMutableBytes(of: &zeroIV) { gnutls_cipher_set_iv(block, $0.baseAddress, $0.count) }
        return gnutls_cipher_encrypt2(block, input.baseAddress, blockLength, output.baseAddress, blockLength) == 0
    }
}
