import Wire

extension Draft18 {
    /// SUBSCRIBE_OK (0x4, §10.8): the publisher accepts a SUBSCRIBE and names the track alias.
    public struct SubscribeOK: Draft18Message {
        /// 0x4.
        public static let messageType: UInt64 = 0x4
        /// Parameters SUBSCRIBE_OK may carry.
        public static let allowedParameters: Set<ParameterType> = [.expires, .largestObject]
        /// The alias objects of this track carry.
        public var trackAlias: UInt64
        /// Parameters (EXPIRES, LARGEST_OBJECT).
        public var parameters: MessageParameters
        /// Track Properties.
        public var trackProperties: [KeyValuePair]

        /// A SUBSCRIBE_OK.
        public init(trackAlias: UInt64, parameters: MessageParameters = MessageParameters(), trackProperties: [KeyValuePair] = []) {
            self.trackAlias = trackAlias
            self.parameters = parameters
            self.trackProperties = trackProperties
        }

        /// Alias, parameters, properties.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64(trackAlias)
            Draft18.writeParameters(parameters, into: &w, draft: draft)
            KeyValuePair.encodeList(trackProperties, into: &w)
        }

        /// Parses the payload; Track Properties fill the rest.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> SubscribeOK {
            let alias = try r.readVI64()
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "SUBSCRIBE_OK", draft: options.draft)
            return SubscribeOK(trackAlias: alias, parameters: params, trackProperties: try Draft18.readTrackProperties(&r))
        }
    }
}
