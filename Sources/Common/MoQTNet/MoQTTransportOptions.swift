import Foundation
import MoQT
import QUIC

/// QUIC options the tools set for every MoQT connection they make (`MoQTEndpoint.transportOptions`).
public struct MoQTTransportOptions: Sendable {
    /// Offer/accept cleartext 1-RTT (the kernel fast path's private transport parameter).
    public var allowCleartext = false
    /// Fixed-size encodings the kernel fast path can rewrite (4-byte packet numbers, one STREAM frame
    /// per packet on uni streams, 4-byte stream IDs). Also turns UDP GSO off on the endpoint, since
    /// the kernel fast path passes GSO super-packets up unforwarded.
    public var fastPathEncoding = false
    /// A server prefers TLS_CHACHA20_POLY1305_SHA256 over the client's order (the only suite the kernel
    /// fast path can encrypt: `moq-relay --ebpf-encrypted`). Clients that do not offer it still connect.
    public var preferChaCha20 = false
    /// The QUIC idle timeout (max_idle_timeout, seconds): a connection that hears nothing from its
    /// peer for this long is closed. `--idle-timeout`.
    public var idleTimeout: Double = 30
    /// Keep ready sessions alive with PINGs (a third of the idle timeout after the last packet heard),
    /// so a quiet session (a publisher waiting for subscribers) outlives the idle timeout while a
    /// dead peer does not.
    public var keepAlive = true
    /// The QUIC ACK frequency extension (`--ack-frequency`): offer min_ack_delay (the peer may ask us
    /// for fewer ACKs) and ask peers that offer it for fewer ACKs (ACK_FREQUENCY with the default
    /// policy: every 10th packet or a quarter RTT, at least 10 ms; at once past a reordering of 3).
    /// Off by default: with it, a fast-path subscriber squeezed by a policer saw its latency grow
    /// from ~8 ms to ~400 ms (p50) in scripts/tests/fastpath-e2e.sh case D (docs/QUIC.md).
    public var ackFrequency = false
    /// When a server validates client addresses with Retry (`moq-relay --retry`): always, never, or
    /// (nil threshold aside) only while this many handshakes are half open.
    public var retryAboveHalfOpen: Int? = 128
    /// Validate every client address with Retry (`--retry always`).
    public var requiresRetry = false
    /// Most connections a server accepts from one IP address at once (`moq-relay
    /// --max-connections-per-address`); nil: no limit.
    public var maxConnectionsPerAddress: Int? = 1024
    /// The MoQT drafts offered (client) and accepted (server) on raw QUIC, most preferred first
    /// (`--draft`). Both by default, draft-18 first: the draft most peers speak, so a peer offering
    /// both gets draft-18 from us, and draft-22 is used when the peer offers only draft-22 or when
    /// pinned with `--draft 22`. A server's order decides (TLS server precedence).
    public var drafts: [MoQTDraft] = [.draft18, .draft22]

    /// The drafts a `--draft` value names: "18", "22", or a preference list such as "18,22" / "22,18"
    /// ("both" = the default order). Nil if it names a draft we do not speak.
    public static func drafts(argument: String) -> [MoQTDraft]? {
        if argument.lowercased() == "both" { return MoQTTransportOptions().drafts }
        var out: [MoQTDraft] = []
        for part in argument.split(separator: ",") {
            guard let d = MoQTDraft(argument: String(part).trimmingCharacters(in: .whitespaces)) else { return nil }
            if !out.contains(d) { out.append(d) }
        }
        return out.isEmpty ? nil : out
    }

    /// The ALPN tokens of `drafts`, in order.
    public var alpns: [String] { drafts.map(\.alpn) }

    /// No options.
    public init() {}

    func apply(_ c: inout ConnectionConfiguration) {
        c.allowCleartext = allowCleartext
        c.fastPathEncoding = fastPathEncoding
        c.maxIdleTimeout = .seconds(idleTimeout)
        c.ackFrequency = ackFrequency ? AckFrequencyPolicy() : nil
        if !ackFrequency { c.minAckDelay = nil }
    }
}
