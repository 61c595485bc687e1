import Wire

extension Draft18 {
    /// NAMESPACE_DONE (0xE, §10.17): a namespace previously sent in NAMESPACE is no longer
    /// served; sent as the suffix after the subscribed prefix.
    public struct NamespaceDone: Draft18Message {
        /// 0xE.
        public static let messageType: UInt64 = 0xE
        /// The namespace fields after the prefix.
        public var suffix: TrackNamespace

        /// A NAMESPACE_DONE.
        public init(suffix: TrackNamespace) { self.suffix = suffix }

        /// The suffix.
        public func encodePayload(into w: inout ByteWriter) { Draft18.writeNamespace(suffix, into: &w) }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> NamespaceDone {
            let ns = try Draft18.readNamespace(&r)
            try Draft18.expectEnd(r, "NAMESPACE_DONE")
            return NamespaceDone(suffix: ns)
        }
    }
}
