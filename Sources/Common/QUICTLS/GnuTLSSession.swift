import CGnuTLS
import Foundation
import QUIC

/// TLS 1.3 for QUIC on GnuTLS's QUIC interface (GnuTLS ≥ 3.7): handshake messages travel through
/// `handle(handshakeData:at:)` and `.handshakeData` events instead of TLS records, traffic secrets
/// come out as `.secret` events, and transport parameters ride in the quic_transport_parameters
/// extension (0x39) of the ClientHello and EncryptedExtensions (RFC 9001 §4, §8.2).
///
/// GnuTLS calls back into this object (through `gnutls_session_set_ptr`) while `start()` and
/// `handle(handshakeData:at:)` run; the callbacks only queue events, which `pollEvent()` hands out.
public final class GnuTLSSession: QUICTLSSession {
    /// The TLS extension codepoint of quic_transport_parameters (RFC 9001 §8.2).
    public static let transportParametersExtension: Int32 = 0x39

    private let configuration: TLSConfiguration
    private let localTransportParameters: [UInt8]
    private var session: gnutls_session_t?
    private var credentials: gnutls_certificate_credentials_t?
    /// Key log file descriptor (opened O_APPEND, so sessions sharing a file never overwrite each other).
    private var keyLog: Int32 = -1
    /// GnuTLS keeps the pointer given to gnutls_session_set_verify_cert: it must live as long as the session.
    private var verifyHostname: UnsafeMutablePointer<CChar>?

    private var events: [TLSEvent] = []
    private var nextEvent = 0
    /// An error a callback decided on; it wins over GnuTLS's own error code.
    private var callbackError: TLSError?
    /// The last alert GnuTLS tried to send.
    private var sentAlert: UInt8?
    /// Once failed, the session stays failed.
    private var failure: TLSError?
    private var started = false
    /// Post-handshake bytes at 1-RTT not yet forming a complete message.
    private var postHandshakeBuffer: [UInt8] = []
    private var peerChecked = false

    /// The peer's encoded transport parameters, from its ClientHello or EncryptedExtensions.
    public private(set) var peerTransportParameters: [UInt8]?
    /// The application protocol both sides agreed on, once the peer's extensions are checked.
    public private(set) var negotiatedALPN: String?
    /// True once GnuTLS reports the handshake finished (client: Finished sent; server: Finished received).
    public private(set) var isHandshakeComplete = false
    /// The negotiated cipher suite, once the handshake keys exist.
    public private(set) var negotiatedCipherSuite: CipherSuite?

    /// True for the client side.
    public var isClient: Bool { configuration.isClient }

    /// Creates a client or server session that will send `localTransportParameters` (already encoded).
    public init(configuration: TLSConfiguration, localTransportParameters: [UInt8]) throws(TLSError) {
        self.configuration = configuration
        self.localTransportParameters = localTransportParameters
        try setUp()
    }

    deinit {
        if let session { gnutls_deinit(session) }
        if let credentials { gnutls_certificate_free_credentials(credentials) }
        free(verifyHostname)
        if keyLog >= 0 { close(keyLog) }
    }

    // MARK: QUICTLSSession

    /// Begins the handshake: a client queues its ClientHello at the Initial level; a server waits.
    public func start() throws(TLSError) {
        if let failure { throw failure }
        guard !started else { return }
        started = true
        if configuration.isClient {
            try driveHandshake()
        }
    }

    /// Feeds CRYPTO-frame bytes received at `level`, in order. Throws (and stays failed) on a TLS failure;
    /// the error's alert becomes CRYPTO_ERROR 0x100 + alert.
    public func handle(handshakeData: [UInt8], at level: EncryptionLevel) throws(TLSError) {
        if let failure { throw failure }
        guard let session else { throw fail(TLSError(alert: 80, reason: "session closed")) }
        started = true
        guard level != .zeroRTT else {
            throw fail(TLSError(alert: 10, reason: "handshake data in 0-RTT"))
        }
        if isHandshakeComplete {
            try handlePostHandshake(handshakeData, at: level, session: session)
            return
        }
        if !handshakeData.isEmpty {
            let rc = handshakeData.withUnsafeBytes { gnutls_handshake_write(session, Self.gnutlsLevel(level), $0.baseAddress, $0.count) }
            if rc < 0 && gnutls_error_is_fatal(rc) != 0 {
                throw fail(code: rc)
            }
        }
        try driveHandshake()
    }

    /// The next queued output: handshake bytes per level, secrets, then handshake completion.
    public func pollEvent() -> TLSEvent? {
        guard nextEvent < events.count else {
            if !events.isEmpty {
                events.removeAll(keepingCapacity: true)
                nextEvent = 0
            }
            return nil
        }
        defer { nextEvent += 1 }
        return events[nextEvent]
    }

    /// After the handshake only NewSessionTicket may arrive, and only at a client (RFC 9001 §4.1.3);
    /// TLS KeyUpdate is forbidden in QUIC (§6). Complete tickets go to GnuTLS, anything else fails
    /// with unexpected_message.
    private func handlePostHandshake(_ data: [UInt8], at level: EncryptionLevel, session: gnutls_session_t) throws(TLSError) {
        guard level == .oneRTT else {
            // Retransmitted Initial/Handshake CRYPTO data is the connection's business, not TLS's.
            return
        }
        postHandshakeBuffer += data
        while postHandshakeBuffer.count >= 4 {
            let type = postHandshakeBuffer[0]
            let length = Int(postHandshakeBuffer[1]) << 16 | Int(postHandshakeBuffer[2]) << 8 | Int(postHandshakeBuffer[3])
            guard configuration.isClient, type == 4 else {
                throw fail(TLSError(alert: 10, reason: "unexpected post-handshake message \(type)"))
            }
            guard length <= Self.maximumTicketLength else {
                throw fail(TLSError(alert: 10, reason: "oversized post-handshake message"))
            }
            guard postHandshakeBuffer.count >= 4 + length else { return }
            let message = Array(postHandshakeBuffer[..<(4 + length)])
            postHandshakeBuffer.removeFirst(4 + length)
            let rc = message.withUnsafeBytes { gnutls_handshake_write(session, GNUTLS_ENCRYPTION_LEVEL_APPLICATION, $0.baseAddress, $0.count) }
            if rc < 0 && gnutls_error_is_fatal(rc) != 0 {
                throw fail(code: rc)
            }
        }
    }

    /// The largest NewSessionTicket body: lifetime, age_add, nonce<255>, ticket<2^16-1>, extensions<2^16-2>.
    private static let maximumTicketLength = 4 + 4 + 256 + 65_537 + 65_536

    // MARK: Handshake

    private func driveHandshake() throws(TLSError) {
        guard !isHandshakeComplete, let session else { return }
        let rc = gnutls_handshake(session)
        if let callbackError {
            throw fail(callbackError)
        }
        if rc == 0 {
            try checkPeer()
            isHandshakeComplete = true
            events.append(.handshakeComplete)
        } else if gnutls_error_is_fatal(rc) != 0 {
            throw fail(code: rc)
        }
    }

    /// RFC 9001 §8.1/§8.2: an application protocol must be negotiated and the peer must send
    /// transport parameters. Runs once the peer's extensions are parsed.
    private func checkPeer() throws(TLSError) {
        guard !peerChecked, let session else { return }
        peerChecked = true
        var selected = gnutls_datum_t()
        if gnutls_alpn_get_selected_protocol(session, &selected) == 0, let data = selected.data {
            negotiatedALPN = String(decoding: UnsafeBufferPointer(start: data, count: Int(selected.size)), as: UTF8.self)
        }
        guard negotiatedALPN != nil else {
            throw TLSError(alert: 120, reason: "no application protocol negotiated")
        }
        guard peerTransportParameters != nil else {
            throw TLSError(alert: 109, reason: "peer sent no quic_transport_parameters")
        }
    }

    @discardableResult
    private func fail(_ error: TLSError) -> TLSError {
        failure = error
        return error
    }

    private func fail(code: Int32) -> TLSError {
        if let callbackError { return fail(callbackError) }
        var reason = String(cString: gnutls_strerror(code))
        if code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR, let session {
            var text = gnutls_datum_t()
            let status = gnutls_session_get_verify_cert_status(session)
            if gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &text, 0) == 0, let data = text.data {
                reason += " " + String(cString: UnsafeRawPointer(data).assumingMemoryBound(to: CChar.self))
                cgnutls_free(data)
            }
        }
        if let sentAlert { return fail(TLSError(alert: sentAlert, reason: reason)) }
        var level: Int32 = 0
        let alert = gnutls_error_to_alert(code, &level)
        return fail(TLSError(alert: alert >= 0 ? UInt8(truncatingIfNeeded: alert) : 80, reason: reason))
    }

    // MARK: Callbacks (called by GnuTLS during gnutls_handshake / gnutls_handshake_write)

    fileprivate func received(handshakeMessage data: UnsafeRawPointer?, count: Int, level: gnutls_record_encryption_level_t) -> Int32 {
        guard let level = Self.encryptionLevel(level) else { return -1 }
        let bytes = data.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
        // Coalesce consecutive messages of one flight at one level into a single event.
        if nextEvent < events.count, case .handshakeData(let lastLevel, let previous)? = events.last, lastLevel == level {
            events[events.count - 1] = .handshakeData(level, previous + bytes)
        } else {
            events.append(.handshakeData(level, bytes))
        }
        return 0
    }

    fileprivate func installSecrets(level gnutlsLevel: gnutls_record_encryption_level_t, read: UnsafeRawPointer?,
                                    write: UnsafeRawPointer?, count: Int) -> Int32 {
        guard let session, let level = Self.encryptionLevel(gnutlsLevel) else { return -1 }
        let cipher = level == .zeroRTT ? gnutls_early_cipher_get(session) : gnutls_cipher_get(session)
        guard let suite = Self.cipherSuite(cipher) else {
            callbackError = TLSError(alert: 40, reason: "unsupported cipher negotiated")
            return -1
        }
        if level != .zeroRTT { negotiatedCipherSuite = suite }
        if let read {
            events.append(.secret(level, .read, suite, Array(UnsafeRawBufferPointer(start: read, count: count))))
        }
        if let write {
            events.append(.secret(level, .write, suite, Array(UnsafeRawBufferPointer(start: write, count: count))))
        }
        return 0
    }

    fileprivate func receivedTransportParameters(_ data: UnsafePointer<UInt8>?, count: Int) -> Int32 {
        peerTransportParameters = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
        return 0
    }

    fileprivate func appendTransportParameters(to buffer: gnutls_buffer_t?) -> Int32 {
        // GnuTLS omits an extension whose sender appended nothing, unless told to send it empty.
        if localTransportParameters.isEmpty { return GNUTLS_E_INT_RET_0 }
        let rc = localTransportParameters.withUnsafeBytes { gnutls_buffer_append_data(buffer, $0.baseAddress, $0.count) }
        return rc < 0 ? rc : Int32(localTransportParameters.count)
    }

    fileprivate func alertSent(_ description: gnutls_alert_description_t) -> Int32 {
        sentAlert = UInt8(truncatingIfNeeded: description.rawValue)
        return 0
    }

    /// Checks ALPN and transport parameters as soon as the peer's extensions are parsed: the server
    /// after the ClientHello, the client on the first message after EncryptedExtensions.
    fileprivate func handshakeMessage(type: UInt32, incoming: Bool) -> Int32 {
        guard incoming, !peerChecked else { return 0 }
        let ready: Bool
        if configuration.isClient {
            ready = type == GNUTLS_HANDSHAKE_CERTIFICATE_PKT.rawValue
                || type == GNUTLS_HANDSHAKE_CERTIFICATE_REQUEST.rawValue
                || type == GNUTLS_HANDSHAKE_FINISHED.rawValue
        } else {
            ready = type == GNUTLS_HANDSHAKE_CLIENT_HELLO.rawValue
        }
        guard ready else { return 0 }
        do {
            try checkPeer()
            return 0
        } catch {
            callbackError = error
            return error.alert == 120 ? GNUTLS_E_NO_APPLICATION_PROTOCOL : GNUTLS_E_MISSING_EXTENSION
        }
    }

    fileprivate func logKey(label: UnsafePointer<CChar>?, secret: UnsafePointer<gnutls_datum_t>?) -> Int32 {
        guard keyLog >= 0, let session, let label, let secret, let secretData = secret.pointee.data else { return 0 }
        var clientRandom = gnutls_datum_t()
        var serverRandom = gnutls_datum_t()
        gnutls_session_get_random(session, &clientRandom, &serverRandom)
        guard let randomData = clientRandom.data else { return 0 }
        let random = Self.hex(UnsafeBufferPointer(start: randomData, count: Int(clientRandom.size)))
        let key = Self.hex(UnsafeBufferPointer(start: secretData, count: Int(secret.pointee.size)))
        let line = Array("\(String(cString: label)) \(random) \(key)\n".utf8)
        // One write per line: appends of whole lines stay intact when sessions share the file.
        _ = line.withUnsafeBytes { write(keyLog, $0.baseAddress, $0.count) }
        return 0
    }

    fileprivate static func owner(of session: gnutls_session_t?) -> GnuTLSSession? {
        guard let session, let pointer = gnutls_session_get_ptr(session) else { return nil }
        return Unmanaged<GnuTLSSession>.fromOpaque(pointer).takeUnretainedValue()
    }

    // MARK: Setup

    private func setUp() throws(TLSError) {
        var flags = UInt32(GNUTLS_NO_END_OF_EARLY_DATA.rawValue)
        flags |= configuration.isClient ? UInt32(GNUTLS_CLIENT) : UInt32(GNUTLS_SERVER)
        if !configuration.isClient { flags |= UInt32(GNUTLS_NO_TICKETS.rawValue) }
        var newSession: gnutls_session_t?
        try check(gnutls_init(&newSession, flags), "gnutls_init")
        session = newSession
        guard let session = newSession else { throw TLSError(alert: 80, reason: "gnutls_init returned no session") }
        gnutls_session_set_ptr(session, Unmanaged.passUnretained(self).toOpaque())
        cgnutls_set_quic_transport(session)

        var errorPosition: UnsafePointer<CChar>?
        try check(gnutls_priority_set_direct(session, configuration.priorityString, &errorPosition), "priority string")

        var newCredentials: gnutls_certificate_credentials_t?
        try check(gnutls_certificate_allocate_credentials(&newCredentials), "allocate credentials")
        credentials = newCredentials
        try configureCertificates(newCredentials)
        try check(gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, UnsafeMutableRawPointer(newCredentials)), "set credentials")

        try configureALPN(session)
        if configuration.isClient {
            if let name = configuration.serverName, !name.isEmpty, !Self.isIPLiteral(name) {
                try check(gnutls_server_name_set(session, GNUTLS_NAME_DNS, name, name.utf8.count), "server name")
            }
            if configuration.verifyPeer {
                verifyHostname = configuration.serverName.flatMap { strdup($0) }
                gnutls_session_set_verify_cert(session, verifyHostname, 0)
            }
        }

        installCallbacks(session)
        try check(gnutls_session_ext_register(
            session, "quic_transport_parameters", Self.transportParametersExtension, GNUTLS_EXT_TLS,
            { session, data, count in
                GnuTLSSession.owner(of: session)?.receivedTransportParameters(data, count: count) ?? -1
            },
            { session, buffer in
                GnuTLSSession.owner(of: session)?.appendTransportParameters(to: buffer) ?? -1
            },
            nil, nil, nil,
            GNUTLS_EXT_FLAG_TLS.rawValue | GNUTLS_EXT_FLAG_CLIENT_HELLO.rawValue | GNUTLS_EXT_FLAG_EE.rawValue
        ), "register quic_transport_parameters")

        if let path = configuration.keyLogFile {
            keyLog = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
            if keyLog >= 0 {
                gnutls_session_set_keylog_function(session) { session, label, secret in
                    GnuTLSSession.owner(of: session)?.logKey(label: label, secret: secret) ?? 0
                }
            }
        }
    }

    private func installCallbacks(_ session: gnutls_session_t) {
        gnutls_handshake_set_read_function(session) { session, level, type, data, count in
            // QUIC has no ChangeCipherSpec (RFC 9001 §8.4).
            if type == GNUTLS_HANDSHAKE_CHANGE_CIPHER_SPEC { return 0 }
            return GnuTLSSession.owner(of: session)?.received(handshakeMessage: data, count: count, level: level) ?? -1
        }
        gnutls_handshake_set_secret_function(session) { session, level, read, write, count in
            GnuTLSSession.owner(of: session)?.installSecrets(level: level, read: read, write: write, count: count) ?? -1
        }
        gnutls_alert_set_read_function(session) { session, _, _, description in
            GnuTLSSession.owner(of: session)?.alertSent(description) ?? -1
        }
        gnutls_handshake_set_hook_function(session, UInt32.max /* GNUTLS_HANDSHAKE_ANY */, Int32(GNUTLS_HOOK_POST)) { session, type, _, incoming, _ in
            GnuTLSSession.owner(of: session)?.handshakeMessage(type: type, incoming: incoming != 0) ?? -1
        }
    }

    private func configureCertificates(_ credentials: gnutls_certificate_credentials_t?) throws(TLSError) {
        if configuration.isClient && configuration.verifyPeer {
            if let caFile = configuration.trustedCAFile {
                let count = gnutls_certificate_set_x509_trust_file(credentials, caFile, GNUTLS_X509_FMT_PEM)
                try check(count, "load trusted CA file \(caFile)")
                if count == 0 { throw TLSError(alert: 80, reason: "no certificates in \(caFile)") }
            } else {
                try check(gnutls_certificate_set_x509_system_trust(credentials), "load system trust")
            }
        }
        guard let chain = configuration.certificateChain, let key = configuration.privateKey else {
            if !configuration.isClient { throw TLSError(alert: 80, reason: "server needs a certificate chain and private key") }
            return
        }
        switch (chain, key) {
        case (.file(let chainPath), .file(let keyPath)):
            try check(gnutls_certificate_set_x509_key_file2(credentials, chainPath, keyPath, GNUTLS_X509_FMT_PEM, nil, 0),
                      "load certificate \(chainPath) and key \(keyPath)")
        default:
            let chainPEM = try Self.pemBytes(chain)
            let keyPEM = try Self.pemBytes(key)
            let rc = chainPEM.withUnsafeBufferPointer { chainBuffer in
                keyPEM.withUnsafeBufferPointer { keyBuffer in
                    var chainDatum = gnutls_datum_t(data: UnsafeMutablePointer(mutating: chainBuffer.baseAddress), size: UInt32(chainBuffer.count))
                    var keyDatum = gnutls_datum_t(data: UnsafeMutablePointer(mutating: keyBuffer.baseAddress), size: UInt32(keyBuffer.count))
                    return gnutls_certificate_set_x509_key_mem2(credentials, &chainDatum, &keyDatum, GNUTLS_X509_FMT_PEM, nil, 0)
                }
            }
            try check(rc, "load certificate and key")
        }
    }

    private func configureALPN(_ session: gnutls_session_t) throws(TLSError) {
        let protocols = configuration.alpnProtocols.filter { !$0.isEmpty }
        guard !protocols.isEmpty else { throw TLSError(alert: 80, reason: "no ALPN protocols configured") }
        let storage = protocols.map { Array($0.utf8) }
        var datums: [gnutls_datum_t] = []
        var rc: Int32 = 0
        // The datums point into `storage`, which outlives the call; GnuTLS copies the names.
        func set(_ index: Int) {
            if index == storage.count {
                // A server picks by its own order (GnuTLS's default is the client's): a client offering
                // both h3 and moqt-18 to a relay that serves both gets raw MoQT.
                let flags = GNUTLS_ALPN_MANDATORY.rawValue | (configuration.isClient ? 0 : GNUTLS_ALPN_SERVER_PRECEDENCE.rawValue)
                rc = gnutls_alpn_set_protocols(session, datums, UInt32(datums.count), UInt32(flags))
                return
            }
            storage[index].withUnsafeBufferPointer { buffer in
                datums.append(gnutls_datum_t(data: UnsafeMutablePointer(mutating: buffer.baseAddress), size: UInt32(buffer.count)))
                set(index + 1)
            }
        }
        set(0)
        try check(rc, "ALPN protocols")
    }

    private func check(_ rc: Int32, _ what: String) throws(TLSError) {
        if rc < 0 {
            throw TLSError(alert: 80, reason: "\(what): \(String(cString: gnutls_strerror(rc)))")
        }
    }

    // MARK: Mappings

    static func gnutlsLevel(_ level: EncryptionLevel) -> gnutls_record_encryption_level_t {
        switch level {
        case .initial: return GNUTLS_ENCRYPTION_LEVEL_INITIAL
        case .zeroRTT: return GNUTLS_ENCRYPTION_LEVEL_EARLY
        case .handshake: return GNUTLS_ENCRYPTION_LEVEL_HANDSHAKE
        case .oneRTT: return GNUTLS_ENCRYPTION_LEVEL_APPLICATION
        }
    }

    static func encryptionLevel(_ level: gnutls_record_encryption_level_t) -> EncryptionLevel? {
        switch level {
        case GNUTLS_ENCRYPTION_LEVEL_INITIAL: return .initial
        case GNUTLS_ENCRYPTION_LEVEL_EARLY: return .zeroRTT
        case GNUTLS_ENCRYPTION_LEVEL_HANDSHAKE: return .handshake
        case GNUTLS_ENCRYPTION_LEVEL_APPLICATION: return .oneRTT
        default: return nil
        }
    }

    static func cipherSuite(_ cipher: gnutls_cipher_algorithm_t) -> CipherSuite? {
        switch cipher {
        case GNUTLS_CIPHER_AES_128_GCM: return .aes128GCMSHA256
        case GNUTLS_CIPHER_AES_256_GCM: return .aes256GCMSHA384
        case GNUTLS_CIPHER_CHACHA20_POLY1305: return .chacha20Poly1305SHA256
        default: return nil
        }
    }

    private static func pemBytes(_ source: PEMSource) throws(TLSError) -> [UInt8] {
        switch source {
        case .pem(let text):
            return Array(text.utf8)
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TLSError(alert: 80, reason: "cannot read \(path)")
            }
            return Array(data)
        }
    }

    private static func isIPLiteral(_ name: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, name, &v4) == 1 || inet_pton(AF_INET6, name, &v6) == 1
    }

    private static func hex(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
