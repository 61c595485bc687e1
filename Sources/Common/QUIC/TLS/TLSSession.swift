/// Which way a traffic secret protects packets.
public enum TLSDirection: Sendable {
    /// Packets we receive (the peer's write secret).
    case read
    /// Packets we send.
    case write
}

/// What a TLS session hands to the QUIC connection, in order.
public enum TLSEvent: Sendable, Equatable {
    /// Handshake bytes to send in CRYPTO frames at this level.
    case handshakeData(EncryptionLevel, [UInt8])
    /// A traffic secret became available: install packet protection for this level and direction.
    case secret(EncryptionLevel, TLSDirection, CipherSuite, [UInt8])
    /// The TLS handshake finished (client: after sending Finished; server: after receiving it).
    case handshakeComplete
}

/// A TLS failure; QUIC reports it as CRYPTO_ERROR 0x0100 + alert (RFC 9001 §4.8).
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The TLS alert description code (e.g. 40 handshake_failure, 120 no_application_protocol).
    public let alert: UInt8
    /// Human-readable reason.
    public let reason: String

    public init(alert: UInt8, reason: String) {
        self.alert = alert
        self.reason = reason
    }

    public static func == (lhs: TLSError, rhs: TLSError) -> Bool { lhs.alert == rhs.alert }
    public var description: String { "TLS alert \(alert): \(reason)" }
}

/// The TLS 1.3 handshake as QUIC uses it (RFC 9001 §4): handshake messages in and out per
/// encryption level, secrets out, transport parameters carried in the
/// quic_transport_parameters extension (0x39). Implemented by `QUICTLS.GnuTLSSession`.
///
/// Sans-I/O like the connection: inputs are method calls, outputs are polled events.
public protocol QUICTLSSession: AnyObject {
    /// Begins the handshake. A client produces its ClientHello (as a `.handshakeData` event);
    /// a server does nothing until it receives one.
    func start() throws(TLSError)

    /// Feeds handshake bytes that arrived in CRYPTO frames at `level`, in order.
    func handle(handshakeData: [UInt8], at level: EncryptionLevel) throws(TLSError)

    /// The next output, or nil when there is none.
    func pollEvent() -> TLSEvent?

    /// The peer's encoded transport parameters, once received.
    var peerTransportParameters: [UInt8]? { get }

    /// The negotiated ALPN protocol, once known.
    var negotiatedALPN: String? { get }

    /// True once the handshake has completed.
    var isHandshakeComplete: Bool { get }
}
