/// Settings of one connection. Defaults suit a media relay on a LAN or the Internet.
public struct ConnectionConfiguration: Sendable {
    /// Our max_idle_timeout; zero disables it.
    public var maxIdleTimeout = QUICDuration.milliseconds(30_000)
    /// Keep a quiet connection open (RFC 9000 §10.1.2): once the handshake is confirmed, send a PING
    /// when a third of the idle timeout passed without a packet from the peer (or since the last
    /// such PING). A peer that stopped answering still times out: PINGs do not restart the timer.
    public var keepAlive = false
    /// Largest TLS handshake message (4-byte header included) we buffer while it arrives in CRYPTO
    /// frames; a peer announcing a larger one is closed with CRYPTO_BUFFER_EXCEEDED (RFC 9000 §7.5)
    /// before its bytes are kept. Our largest legitimate messages are certificate chains of a few kB.
    public var maxHandshakeMessageSize = 64 << 10
    /// Initial connection-level receive window (initial_max_data).
    public var initialMaxData: UInt64 = 1 << 20
    /// Largest connection-level window auto-tuning may reach.
    public var maxDataWindowLimit: UInt64 = 16 << 20
    /// Initial per-stream receive window (initial_max_stream_data_*).
    public var initialMaxStreamData: UInt64 = 256 << 10
    /// Largest per-stream window auto-tuning may reach.
    public var maxStreamDataWindowLimit: UInt64 = 8 << 20
    /// Streams the peer may open, per direction.
    public var initialMaxStreamsBidi: UInt64 = 100
    public var initialMaxStreamsUni: UInt64 = 100
    /// Our max_ack_delay.
    public var maxAckDelay = QUICDuration.milliseconds(25)
    /// The min_ack_delay we offer (draft-ietf-quic-ack-frequency): the peer may then tell us with
    /// ACK_FREQUENCY how to delay our ACKs, down to this. Nil: not offered (the peer cannot ask).
    public var minAckDelay: QUICDuration? = .milliseconds(1)
    /// What to ask of a peer that offered min_ack_delay, once the handshake is confirmed; nil asks
    /// nothing (the peer acknowledges every second ack-eliciting packet, RFC 9000 §13.2.2).
    public var ackFrequency: AckFrequencyPolicy?
    /// Our ack_delay_exponent.
    public var ackDelayExponent: UInt64 = 3
    /// The largest UDP payload we send (no path MTU discovery yet).
    public var maxDatagramSize = 1200
    /// Bytes the application may buffer per stream before `write` refuses more.
    public var sendBufferCapacity = 1 << 20
    /// Length of the connection IDs we choose.
    public var connectionIDLength = 8
    /// RFC 9221 max_datagram_frame_size to offer; nil disables DATAGRAM.
    public var maxDatagramFrameSize: UInt64?
    /// Pace ack-eliciting 1-RTT packets over the RTT (RFC 9002 §7.7).
    public var pacing = true
    /// kInitialRtt.
    public var initialRtt = QUICDuration.milliseconds(333)
    /// Offer cleartext 1-RTT packets (private transport parameter `cleartext_1rtt`): when both ends
    /// offer it, 1-RTT packets carry no header protection, no encryption and no AEAD tag, so the
    /// kernel fast path can build and rewrite them. The handshake stays TLS 1.3. NOT SECURE: for
    /// trusted networks and measurements only.
    public var allowCleartext = false
    /// Fixed-size encodings for the kernel fast path (all valid RFC 9000): 4-byte packet numbers in
    /// every 1-RTT packet, and STREAM frames of our unidirectional streams alone in their packet with
    /// a 4-byte stream ID.
    public var fastPathEncoding = false
    /// The congestion controller.
    public var congestionControl = CongestionControlAlgorithm.newReno
    /// Seed for connection IDs and tokens; nil uses the system generator (tests pass a seed).
    public var randomSeed: UInt64?

    /// The defaults.
    public init() {}
}
