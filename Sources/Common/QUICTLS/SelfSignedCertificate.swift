import CGnuTLS
import Foundation
import QUIC

/// Generates a self-signed EC P-256 server certificate with GnuTLS (for tests, demos and `--insecure` peers).
public enum SelfSignedCertificate {
    /// Returns a PEM certificate and its PEM (PKCS #8) private key.
    /// - Parameters:
    ///   - commonName: the subject CN.
    ///   - subjectAlternativeNames: DNS names or IP literals; defaults to the common name.
    ///   - validityDays: days from now (backdated one hour against clock skew).
    public static func generate(
        commonName: String, subjectAlternativeNames: [String]? = nil, validityDays: Int = 30
    ) throws(TLSError) -> (certificatePEM: String, privateKeyPEM: String) {
        var key: gnutls_x509_privkey_t?
        try check(gnutls_x509_privkey_init(&key), "privkey init")
        defer { gnutls_x509_privkey_deinit(key) }
        try check(gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA, cgnutls_p256_bits(), 0), "generate P-256 key")

        var certificate: gnutls_x509_crt_t?
        try check(gnutls_x509_crt_init(&certificate), "crt init")
        defer { gnutls_x509_crt_deinit(certificate) }
        try check(gnutls_x509_crt_set_version(certificate, 3), "set version")
        var serial = [UInt8](repeating: 0, count: 16)
        try check(gnutls_rnd(GNUTLS_RND_NONCE, &serial, serial.count), "serial")
        serial[0] &= 0x7f
        try check(gnutls_x509_crt_set_serial(certificate, serial, serial.count), "set serial")
        let now = time(nil)
        try check(gnutls_x509_crt_set_activation_time(certificate, now - 3600), "activation time")
        try check(gnutls_x509_crt_set_expiration_time(certificate, now + time_t(validityDays) * 86_400), "expiration time")
        let cn = Array(commonName.utf8)
        try check(gnutls_x509_crt_set_dn_by_oid(certificate, "2.5.4.3", 0, cn, UInt32(cn.count)), "set CN")
        try check(gnutls_x509_crt_set_key(certificate, key), "set key")
        for name in subjectAlternativeNames ?? [commonName] {
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, name, &v4) == 1 {
                try check(gnutls_x509_crt_set_subject_alt_name(certificate, GNUTLS_SAN_IPADDRESS, &v4, 4, UInt32(GNUTLS_FSAN_APPEND)), "IP SAN")
            } else if inet_pton(AF_INET6, name, &v6) == 1 {
                try check(gnutls_x509_crt_set_subject_alt_name(certificate, GNUTLS_SAN_IPADDRESS, &v6, 16, UInt32(GNUTLS_FSAN_APPEND)), "IP SAN")
            } else {
                let bytes = Array(name.utf8)
                try check(gnutls_x509_crt_set_subject_alt_name(certificate, GNUTLS_SAN_DNSNAME, bytes, UInt32(bytes.count), UInt32(GNUTLS_FSAN_APPEND)), "DNS SAN")
            }
        }
        try check(gnutls_x509_crt_set_basic_constraints(certificate, 0, -1), "basic constraints")
        try check(gnutls_x509_crt_set_key_usage(certificate, UInt32(GNUTLS_KEY_DIGITAL_SIGNATURE)), "key usage")
        try check(gnutls_x509_crt_set_key_purpose_oid(certificate, "1.3.6.1.5.5.7.3.1", 0), "server auth purpose")
        try check(gnutls_x509_crt_sign2(certificate, certificate, key, GNUTLS_DIG_SHA256, 0), "self-sign")

        var certificateDatum = gnutls_datum_t()
        try check(gnutls_x509_crt_export2(certificate, GNUTLS_X509_FMT_PEM, &certificateDatum), "export certificate")
        defer { cgnutls_free(certificateDatum.data) }
        return (string(certificateDatum), try privateKeyPEM(key))
    }

    /// PKCS #8 PEM of a P-256 key, encoded here rather than by GnuTLS: GnuTLS 3.7 writes the private
    /// scalar as a signed integer (33 bytes when its top bit is set), which strict parsers such as
    /// Python's cryptography (used by aioquic) reject. RFC 5915 wants exactly 32 bytes.
    private static func privateKeyPEM(_ key: gnutls_x509_privkey_t?) throws(TLSError) -> String {
        var curve = GNUTLS_ECC_CURVE_INVALID
        var x = gnutls_datum_t(), y = gnutls_datum_t(), k = gnutls_datum_t()
        try check(gnutls_x509_privkey_export_ecc_raw(key, &curve, &x, &y, &k), "export raw key")
        defer {
            cgnutls_free(x.data)
            cgnutls_free(y.data)
            cgnutls_free(k.data)
        }
        guard curve == GNUTLS_ECC_CURVE_SECP256R1,
              let scalar = fixedWidth(k, 32), let px = fixedWidth(x, 32), let py = fixedWidth(y, 32) else {
            throw TLSError(alert: 80, reason: "certificate generation: unexpected key encoding")
        }
        let prime256v1: [UInt8] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]
        let ecPublicKey: [UInt8] = [0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
        // ECPrivateKey (RFC 5915): version 1, privateKey, [0] parameters, [1] publicKey.
        var ecPrivateKey: [UInt8] = [0x02, 0x01, 0x01, 0x04, 0x20] + scalar
        ecPrivateKey += [0xa0, UInt8(prime256v1.count)] + prime256v1
        ecPrivateKey += [0xa1, 0x44, 0x03, 0x42, 0x00, 0x04] + px + py
        ecPrivateKey = [0x30, UInt8(ecPrivateKey.count)] + ecPrivateKey
        // PrivateKeyInfo (RFC 5958): version 0, AlgorithmIdentifier, privateKey OCTET STRING.
        let algorithm = ecPublicKey + prime256v1
        var info: [UInt8] = [0x02, 0x01, 0x00, 0x30, UInt8(algorithm.count)] + algorithm
        info += [0x04, UInt8(ecPrivateKey.count)] + ecPrivateKey
        let der: [UInt8] = [0x30, 0x81, UInt8(info.count)] + info
        let base64 = Data(der).base64EncodedString()
        var lines: [String] = ["-----BEGIN PRIVATE KEY-----"]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 64, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append("-----END PRIVATE KEY-----")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The big-endian integer in `datum`, without sign padding, left-padded to `width` bytes.
    private static func fixedWidth(_ datum: gnutls_datum_t, _ width: Int) -> [UInt8]? {
        guard let data = datum.data else { return nil }
        var bytes = Array(UnsafeBufferPointer(start: data, count: Int(datum.size)))
        while bytes.count > width, bytes.first == 0 { bytes.removeFirst() }
        guard bytes.count <= width else { return nil }
        return [UInt8](repeating: 0, count: width - bytes.count) + bytes
    }

    private static func string(_ datum: gnutls_datum_t) -> String {
        guard let data = datum.data else { return "" }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(datum.size)), as: UTF8.self)
    }

    private static func check(_ rc: Int32, _ what: String) throws(TLSError) {
        if rc < 0 {
            throw TLSError(alert: 80, reason: "certificate generation, \(what): \(String(cString: gnutls_strerror(rc)))")
        }
    }
}
