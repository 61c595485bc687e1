import QUIC

/// QUIC options the tools set for every MoQT connection they make (`MoQTEndpoint.transportOptions`).
public struct MoQTTransportOptions: Sendable {
    /// Offer/accept cleartext 1-RTT (the kernel fast path's private transport parameter).
    public var allowCleartext = false
    /// Fixed-size encodings the kernel fast path can rewrite (4-byte packet numbers, one STREAM frame
    /// per packet on uni streams, 4-byte stream IDs). Also turns UDP GSO off on the endpoint, since
    /// the kernel fast path passes GSO super-packets up unforwarded.
    public var fastPathEncoding = false

    /// No options.
    public init() {}

    func apply(_ c: inout ConnectionConfiguration) {
        c.allowCleartext = allowCleartext
        c.fastPathEncoding = fastPathEncoding
    }
}
