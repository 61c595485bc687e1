import Wire

extension Draft18 {
    /// PUBLISH (0x1D, §10.10): first message of a request stream by which a publisher starts a
    /// subscription for a track.
    public struct Publish: Draft18Message {
        /// 0x1D.
        public static let messageType: UInt64 = 0x1D
        /// Parameters PUBLISH may carry.
        public static let allowedParameters: Set<ParameterType> = [.authorizationToken, .expires, .largestObject, .forward]
        /// The request ID.
        public var requestID: UInt64
        /// The track.
        public var track: FullTrackName
        /// The alias objects of this track carry.
        public var trackAlias: UInt64
        /// Parameters.
        public var parameters: MessageParameters
        /// Track Properties.
        public var trackProperties: [KeyValuePair]

        /// A PUBLISH.
        public init(requestID: UInt64, track: FullTrackName, trackAlias: UInt64,
                    parameters: MessageParameters = MessageParameters(), trackProperties: [KeyValuePair] = []) {
            self.requestID = requestID
            self.track = track
            self.trackAlias = trackAlias
            self.parameters = parameters
            self.trackProperties = trackProperties
        }

        /// Request ID, track, alias, parameters, properties.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64(requestID)
            Draft18.writeFullTrackName(track, into: &w)
            w.writeVI64(trackAlias)
            Draft18.writeParameters(parameters, into: &w, draft: draft)
            KeyValuePair.encodeList(trackProperties, into: &w)
        }

        /// Parses the payload; Track Properties fill the rest.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> Publish {
            let id = try r.readVI64()
            let track = try Draft18.readFullTrackName(&r)
            let alias = try r.readVI64()
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "PUBLISH", draft: options.draft)
            return Publish(requestID: id, track: track, trackAlias: alias, parameters: params,
                           trackProperties: try Draft18.readTrackProperties(&r))
        }
    }
}
