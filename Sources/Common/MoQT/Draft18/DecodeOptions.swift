extension Draft18 {
    /// Knobs for how strictly received control messages are checked.
    ///
    /// The default (`standard`) enforces §10.2.1: a known parameter the draft does not list for
    /// the message carrying it is PROTOCOL_VIOLATION, except the few out-of-scope parameters
    /// deployed draft-18 peers are known to send (`deployedScopeDeviations`), which are decoded
    /// and otherwise ignored. Unknown parameter types, forbidden repeats and invalid values are
    /// rejected in every mode.
    public struct DecodeOptions: Hashable, Sendable {
        /// Reject a known parameter that the draft does not list for the message carrying it
        /// (§10.2.1 says PROTOCOL_VIOLATION).
        public var enforceParameterScope: Bool
        /// With `enforceParameterScope`, still accept the out-of-scope parameters listed in
        /// `deployedScopeDeviations`.
        public var tolerateDeployedDeviations: Bool
        /// The wire profile messages are decoded with (the session sets the negotiated one).
        public var draft: MoQTDraft = .draft18

        /// Options; draft scope with the deployed deviations tolerated by default.
        public init(enforceParameterScope: Bool = true, tolerateDeployedDeviations: Bool = true, draft: MoQTDraft = .draft18) {
            self.enforceParameterScope = enforceParameterScope
            self.tolerateDeployedDeviations = tolerateDeployedDeviations
            self.draft = draft
        }

        /// The same options for another draft.
        public func with(draft: MoQTDraft) -> DecodeOptions {
            var o = self
            o.draft = draft
            return o
        }

        /// The default: draft scope, plus `deployedScopeDeviations`.
        public static let standard = DecodeOptions()
        /// Any known parameter accepted in any message.
        public static let lenient = DecodeOptions(enforceParameterScope: false)
        /// Every rule of the draft enforced, no deviation tolerated.
        public static let strict = DecodeOptions(enforceParameterScope: true, tolerateDeployedDeviations: false)

        /// Out-of-scope parameters deployed draft-18 peers send, by message type: GROUP_ORDER in
        /// SUBSCRIBE_OK (moq-dev / moq-rs 0.5 answers every SUBSCRIBE with it; §10.2.8 lists it
        /// for SUBSCRIBE, FETCH and REQUEST_OK only).
        public static let deployedScopeDeviations: [UInt64: Set<ParameterType>] = [
            SubscribeOK.messageType: [.groupOrder],
        ]

        /// The parameter types accepted in a message of `messageType` whose draft-listed set is `listed`.
        /// At draft-22 draft-22's own list (`Draft22.scope`).
        func scope(_ listed: Set<ParameterType>, messageType: UInt64) -> Set<ParameterType> {
            guard enforceParameterScope else { return Set(ParameterType.allCases.filter { $0.isDefined(in: draft) }) }
            var listed = listed
            if draft == .draft22, let own = Draft22.scope[messageType] { listed = own }
            guard tolerateDeployedDeviations, let extra = Self.deployedScopeDeviations[messageType] else { return listed }
            return listed.union(extra)
        }
    }
}
