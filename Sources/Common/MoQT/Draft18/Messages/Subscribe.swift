import Wire

extension Draft18 {
    /// SUBSCRIBE (0x3, §10.7): first message of a request stream asking for new objects of a track.
    public struct Subscribe: Draft18Message {
        /// 0x3.
        public static let messageType: UInt64 = 0x3
        /// Parameters SUBSCRIBE may carry.
        public static let allowedParameters: Set<ParameterType> = [
            .authorizationToken, .objectDeliveryTimeout, .subgroupDeliveryTimeout, .rendezvousTimeout,
            .subscriberPriority, .groupOrder, .subscriptionFilter, .forward, .newGroupRequest,
        ]
        /// The request ID.
        public var requestID: UInt64
        /// The track.
        public var track: FullTrackName
        /// Parameters (filter, priority, forward, ...).
        public var parameters: MessageParameters

        /// A SUBSCRIBE.
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
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> Subscribe {
            let id = try r.readVI64()
            let track = try Draft18.readFullTrackName(&r)
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "SUBSCRIBE", draft: options.draft)
            try Draft18.expectEnd(r, "SUBSCRIBE")
            return Subscribe(requestID: id, track: track, parameters: params)
        }
    }
}
