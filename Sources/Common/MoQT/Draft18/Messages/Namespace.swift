import Wire

extension Draft18 {
    /// NAMESPACE (0x8, §10.16): a namespace matching a SUBSCRIBE_NAMESPACE, sent as the suffix
    /// after the subscribed prefix.
    public struct Namespace: Draft18Message {
        /// 0x8.
        public static let messageType: UInt64 = 0x8
        /// The namespace fields after the prefix.
        public var suffix: TrackNamespace

        /// A NAMESPACE.
        public init(suffix: TrackNamespace) { self.suffix = suffix }

        /// The suffix.
        public func encodePayload(into w: inout ByteWriter) { Draft18.writeNamespace(suffix, into: &w) }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> Namespace {
            let ns = try Draft18.readNamespace(&r)
            try Draft18.expectEnd(r, "NAMESPACE")
            return Namespace(suffix: ns)
        }
    }
}
