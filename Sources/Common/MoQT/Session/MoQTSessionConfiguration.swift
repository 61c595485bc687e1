/// What a session announces in its SETUP and how it treats the peer.
public struct MoQTSessionConfiguration: Hashable, Sendable {
    /// The SETUP options sent (PATH and AUTHORITY only make sense from a client).
    public var setupOptions: SetupOptions
    /// How strictly control messages are decoded.
    public var decodeOptions: Draft18.DecodeOptions
    /// The first track alias handed out when the application does not choose one.
    public var firstTrackAlias: UInt64
    /// Whether data calls outside a subscription's filter window throw `outsideSubscription`
    /// (otherwise the window is only reported by `subscriptionWindow(ofRequest:)`).
    public var enforceSubscriptionFilters: Bool = true
    /// Largest object payload accepted from the peer. A larger object's stream is abandoned as
    /// soon as its header arrives: STOP_SENDING with EXCESSIVE_LOAD to the peer, and the
    /// subscription sees the subgroup (or fetch) reset with that code; the session goes on.
    /// draft-22 MAX_FILTER_RANGES this side sends (when `setupOptions.maxFilterRanges` is nil):
    /// Range Filter ranges a peer's request may carry. The session honours the filters of what it
    /// publishes through it (subgroup objects, datagrams, fetch and fill streams); 0 refuses every
    /// Range Filter with INVALID_FILTER.
    public var maxFilterRanges: UInt64 = 16
    public var maxObjectSize: UInt64 = 64 << 20
    /// Most bytes the peer may send, over all streams, before its SETUP has been read; more closes
    /// the session with PROTOCOL_VIOLATION. Stops a client that never sends SETUP from making us
    /// buffer (and so credit) without bound.
    public var maxBytesBeforeSetup = 64 << 10
    /// Microseconds from the QUIC handshake to the peer's SETUP; later closes the session with
    /// CONTROL_MESSAGE_TIMEOUT. Nil waits for ever. Needs `MoQTSession.start(now:)`.
    public var setupTimeout: UInt64? = 10_000_000
    /// Most requests the peer may have open at once (sent and not answered yet, or answered and
    /// still live: subscriptions, announcements, namespace subscriptions, fetches). One more is
    /// refused with REQUEST_ERROR EXCESSIVE_LOAD (draft-18 §15: "MAY reject excessive
    /// subscriptions with REQUEST_ERROR using the EXCESSIVE_LOAD error code") and a Retry
    /// Interval of `limitRetryInterval`; the session goes on. Nil (the default; `moq-relay` sets
    /// 64): no limit beyond QUIC's stream credit.
    public var maxPeerRequests: Int?
    /// Most SUBSCRIBEs the peer may have open at once (pending or established); one more is
    /// refused like a request over `maxPeerRequests`. Nil (the default; `moq-relay` sets 32): no
    /// limit.
    public var maxPeerSubscriptions: Int?
    /// The Retry Interval of a refusal for a limit (milliseconds plus one, draft-18 §10.6).
    public var limitRetryInterval: UInt64 = 1_001

    /// A configuration; `implementation` goes into MOQT_IMPLEMENTATION.
    public init(setupOptions: SetupOptions = SetupOptions(implementation: "moq-fastrelay"),
                decodeOptions: Draft18.DecodeOptions = .standard, firstTrackAlias: UInt64 = 1) {
        self.setupOptions = setupOptions
        self.decodeOptions = decodeOptions
        self.firstTrackAlias = firstTrackAlias
    }
}
