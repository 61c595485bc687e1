import Foundation
import QUIC

/// Settings for one TLS 1.3 endpoint of a QUIC connection.
public struct TLSConfiguration: Sendable {
    /// True for the client side of the handshake.
    public var isClient: Bool
    /// ALPN protocols, in preference order. Mandatory: a handshake without a common protocol
    /// fails with alert 120 no_application_protocol (RFC 9001 §8.1).
    public var alpnProtocols: [String]
    /// Client: the server name sent in SNI (unless it is an IP literal) and checked against the
    /// server certificate when `verifyPeer` is set.
    public var serverName: String?
    /// Client: verify the server certificate chain; false is the `--insecure` mode.
    public var verifyPeer: Bool
    /// Client: PEM file of trusted CA certificates; nil uses the system trust store.
    public var trustedCAFile: String?
    /// Server: the certificate chain (leaf first).
    public var certificateChain: PEMSource?
    /// Server: the private key of the leaf certificate.
    public var privateKey: PEMSource?
    /// Restricts the cipher suites offered or accepted; nil allows AES-128-GCM, AES-256-GCM and
    /// ChaCha20-Poly1305.
    public var cipherSuites: [CipherSuite]?
    /// Appends NSS key log lines (the SSLKEYLOGFILE format) to this file when set.
    public var keyLogFile: String?
    /// Server: pick the cipher suite in this configuration's `cipherSuites` order instead of the
    /// client's (GnuTLS `%SERVER_PRECEDENCE`). See `preferringChaCha20Poly1305()`.
    public var serverCipherSuitePrecedence = false

    /// Creates a configuration; see the properties for the meaning of each setting.
    public init(
        isClient: Bool,
        alpnProtocols: [String],
        serverName: String? = nil,
        verifyPeer: Bool = true,
        trustedCAFile: String? = nil,
        certificateChain: PEMSource? = nil,
        privateKey: PEMSource? = nil,
        cipherSuites: [CipherSuite]? = nil,
        keyLogFile: String? = nil
    ) {
        self.isClient = isClient
        self.alpnProtocols = alpnProtocols
        self.serverName = serverName
        self.verifyPeer = verifyPeer
        self.trustedCAFile = trustedCAFile
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.cipherSuites = cipherSuites
        self.keyLogFile = keyLogFile
    }

    /// A client configuration.
    public static func client(
        alpnProtocols: [String], serverName: String?, verifyPeer: Bool = true, trustedCAFile: String? = nil,
        cipherSuites: [CipherSuite]? = nil, keyLogFile: String? = nil
    ) -> TLSConfiguration {
        TLSConfiguration(isClient: true, alpnProtocols: alpnProtocols, serverName: serverName, verifyPeer: verifyPeer,
                         trustedCAFile: trustedCAFile, cipherSuites: cipherSuites, keyLogFile: keyLogFile)
    }

    /// A server configuration with its certificate chain and key.
    public static func server(
        alpnProtocols: [String], certificateChain: PEMSource, privateKey: PEMSource,
        cipherSuites: [CipherSuite]? = nil, keyLogFile: String? = nil
    ) -> TLSConfiguration {
        TLSConfiguration(isClient: false, alpnProtocols: alpnProtocols, verifyPeer: false, certificateChain: certificateChain,
                         privateKey: privateKey, cipherSuites: cipherSuites, keyLogFile: keyLogFile)
    }

    /// The path in the SSLKEYLOGFILE environment variable, if set and not empty (a value for `keyLogFile`).
    public static var keyLogFileFromEnvironment: String? {
        guard let path = ProcessInfo.processInfo.environment["SSLKEYLOGFILE"], !path.isEmpty else { return nil }
        return path
    }

    /// The GnuTLS priority string: TLS 1.3 only, no middlebox compatibility mode (RFC 9001 §8.4),
    /// X25519 first so the first ClientHello carries an X25519 and a P-256 key share.
    var priorityString: String {
        let suites = cipherSuites ?? [.aes128GCMSHA256, .aes256GCMSHA384, .chacha20Poly1305SHA256]
        let ciphers = suites.map { suite -> String in
            switch suite {
            case .aes128GCMSHA256: return "+AES-128-GCM"
            case .aes256GCMSHA384: return "+AES-256-GCM"
            case .chacha20Poly1305SHA256: return "+CHACHA20-POLY1305"
            }
        }
        return (["NORMAL", "-VERS-ALL", "+VERS-TLS1.3", "-CIPHER-ALL"] + ciphers
            + ["-GROUP-ALL", "+GROUP-X25519", "+GROUP-SECP256R1", "+GROUP-SECP384R1", "+GROUP-SECP521R1",
               "%DISABLE_TLS13_COMPAT_MODE"] + (serverCipherSuitePrecedence ? ["%SERVER_PRECEDENCE"] : [])).joined(separator: ":")
    }
}
