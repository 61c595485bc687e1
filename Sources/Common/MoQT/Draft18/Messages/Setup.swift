import Wire

extension Draft18 {
    /// SETUP (0x2F00, §10.3): the first message on each endpoint's control stream.
    public struct Setup: Draft18Message {
        /// 0x2F00.
        public static let messageType: UInt64 = 0x2F00
        /// The setup options.
        public var options: SetupOptions

        /// A SETUP with `options`.
        public init(options: SetupOptions = SetupOptions()) { self.options = options }

        /// Key-Value-Pairs spanning the payload.
        public func encodePayload(into w: inout ByteWriter) {
            KeyValuePair.encodeList(Draft18.setupPairs(options), into: &w)
        }

        /// Parses the options.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> Setup {
            let pairs = try KeyValuePair.decodeList(from: &r, byteCount: r.remaining)
            return Setup(options: try Draft18.setupOptions(from: pairs))
        }
    }
}
