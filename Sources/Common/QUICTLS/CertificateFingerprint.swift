import CGnuTLS
import Foundation

/// The SHA-256 of a certificate's DER encoding: what a browser's WebTransport
/// `serverCertificateHashes` names (docs/WEBTRANSPORT.md).
public enum CertificateFingerprint {
    /// The SHA-256 of the first certificate in `pem` (the leaf of a chain), or nil if there is none.
    public static func sha256(pem: String) -> [UInt8]? {
        guard let der = firstDER(pem: pem) else { return nil }
        var digest = [UInt8](repeating: 0, count: 32)
        let rc = der.withUnsafeBytes { gnutls_hash_fast(GNUTLS_DIG_SHA256, $0.baseAddress, $0.count, &digest) }
        return rc == 0 ? digest : nil
    }

    /// Lower-case hex.
    public static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The DER bytes of the first `CERTIFICATE` block.
    static func firstDER(pem: String) -> [UInt8]? {
        guard let begin = pem.range(of: "-----BEGIN CERTIFICATE-----"),
              let end = pem.range(of: "-----END CERTIFICATE-----", range: begin.upperBound..<pem.endIndex) else { return nil }
        let base64 = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(base64)).map { Array($0) }
    }
}
