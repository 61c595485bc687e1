extension Draft18 {
    /// Knobs for how strictly received control messages are checked.
    public struct DecodeOptions: Hashable, Sendable {
        /// Reject a known parameter that the draft does not list for the message carrying it
        /// (§10.2.1 says PROTOCOL_VIOLATION). Off by default: deployed peers send e.g.
        /// GROUP_ORDER in SUBSCRIBE_OK, and such a parameter is harmless to ignore. Unknown
        /// parameter types, forbidden repeats and invalid values are rejected either way.
        public var enforceParameterScope: Bool

        /// Options; lenient parameter scope by default.
        public init(enforceParameterScope: Bool = false) { self.enforceParameterScope = enforceParameterScope }

        /// The default (lenient scope).
        public static let lenient = DecodeOptions()
        /// Every rule of the draft enforced.
        public static let strict = DecodeOptions(enforceParameterScope: true)

        /// The parameter types accepted for a message whose draft-listed set is `listed`.
        func scope(_ listed: Set<ParameterType>) -> Set<ParameterType> {
            enforceParameterScope ? listed : Set(ParameterType.allCases)
        }
    }
}
