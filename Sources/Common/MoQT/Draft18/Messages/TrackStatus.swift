import Wire

extension Draft18 {
    /// TRACK_STATUS (0xD, §10.14): first message of a request stream asking for a track's status; same layout as SUBSCRIBE.
    public struct TrackStatus: Draft18Message {
        /// 0xD.
        public static let messageType: UInt64 = 0xD
        /// Parameters accepted (those of SUBSCRIBE, as the layouts are identical).
        public static let allowedParameters: Set<ParameterType> = Subscribe.allowedParameters
        /// The request ID.
        public var requestID: UInt64
        /// The track.
        public var track: FullTrackName
        /// Parameters (filter, priority, forward, ...).
        public var parameters: MessageParameters

        /// A TRACK_STATUS.
        public init(requestID: UInt64, track: FullTrackName, parameters: MessageParameters = MessageParameters()) {
            self.requestID = requestID
            self.track = track
            self.parameters = parameters
        }

        /// Request ID, full track name, parameters.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64(requestID)
            Draft18.writeFullTrackName(track, into: &w)
            Draft18.writeParameters(parameters, into: &w, draft: draft)
        }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> TrackStatus {
            let id = try r.readVI64()
            let track = try Draft18.readFullTrackName(&r)
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "TRACK_STATUS", draft: options.draft)
            try Draft18.expectEnd(r, "TRACK_STATUS")
            return TrackStatus(requestID: id, track: track, parameters: params)
        }
    }
}
