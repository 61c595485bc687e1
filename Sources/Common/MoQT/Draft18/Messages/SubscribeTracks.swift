import Wire

extension Draft18 {
    /// SUBSCRIBE_TRACKS (0x51, §10.19): first message of a request stream asking for PUBLISH of
    /// every track under a prefix.
    public struct SubscribeTracks: Draft18Message {
        /// 0x51.
        public static let messageType: UInt64 = 0x51
        /// Parameters SUBSCRIBE_TRACKS may carry.
        public static let allowedParameters: Set<ParameterType> = [.authorizationToken, .forward]
        /// The request ID.
        public var requestID: UInt64
        /// The namespace prefix to match (0...32 fields).
        public var prefix: TrackNamespace
        /// Parameters.
        public var parameters: MessageParameters

        /// A SUBSCRIBE_TRACKS.
        public init(requestID: UInt64, prefix: TrackNamespace, parameters: MessageParameters = MessageParameters()) {
            self.requestID = requestID
            self.prefix = prefix
            self.parameters = parameters
        }

        /// Request ID, prefix, parameters.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64(requestID)
            Draft18.writeNamespace(prefix, into: &w)
            Draft18.writeParameters(parameters, into: &w, draft: draft)
        }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> SubscribeTracks {
            let id = try r.readVI64()
            let ns = try Draft18.readNamespace(&r)
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "SUBSCRIBE_TRACKS", draft: options.draft)
            try Draft18.expectEnd(r, "SUBSCRIBE_TRACKS")
            return SubscribeTracks(requestID: id, prefix: ns, parameters: params)
        }
    }
}
