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

    /// A configuration; `implementation` goes into MOQT_IMPLEMENTATION.
    public init(setupOptions: SetupOptions = SetupOptions(implementation: "moq-fastrelay"),
                decodeOptions: Draft18.DecodeOptions = .lenient, firstTrackAlias: UInt64 = 1) {
        self.setupOptions = setupOptions
        self.decodeOptions = decodeOptions
        self.firstTrackAlias = firstTrackAlias
    }
}
