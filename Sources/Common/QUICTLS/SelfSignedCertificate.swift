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
        var keyDatum = gnutls_datum_t()
        try check(gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, nil, UInt32(GNUTLS_PKCS_PLAIN.rawValue), &keyDatum), "export key")
        defer { cgnutls_free(keyDatum.data) }
        return (string(certificateDatum), string(keyDatum))
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
