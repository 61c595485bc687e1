import Wire

extension Draft18 {
    /// REQUEST_OK (0x7, §10.5): success for PUBLISH (PUBLISH_OK), REQUEST_UPDATE, TRACK_STATUS,
    /// SUBSCRIBE_NAMESPACE, SUBSCRIBE_TRACKS and PUBLISH_NAMESPACE.
    ///
    /// Draft-18's message table still lists PUBLISH_OK as 0x1E while §10.5 makes it a REQUEST_OK;
    /// this codec sends 0x7 and accepts 0x1E as the same message (`ControlMessage.requestOK`).
    public struct RequestOK: Draft18Message {
        /// 0x7.
        public static let messageType: UInt64 = 0x7
        /// The legacy PUBLISH_OK code accepted as an alias.
        public static let publishOKAlias: UInt64 = 0x1E
        /// Parameters a REQUEST_OK may carry (union over the requests it answers).
        public static let allowedParameters: Set<ParameterType> = [
            .objectDeliveryTimeout, .subgroupDeliveryTimeout, .subscriberPriority, .groupOrder, .subscriptionFilter,
            .expires, .largestObject, .forward, .newGroupRequest,
        ]
        /// Parameters.
        public var parameters: MessageParameters
        /// Track Properties (only in TRACK_STATUS_OK; the session rejects them elsewhere).
        public var trackProperties: [KeyValuePair]

        /// A REQUEST_OK.
        public init(parameters: MessageParameters = MessageParameters(), trackProperties: [KeyValuePair] = []) {
            self.parameters = parameters
            self.trackProperties = trackProperties
        }

        /// Parameters, properties.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            Draft18.writeParameters(parameters, into: &w, draft: draft)
            KeyValuePair.encodeList(trackProperties, into: &w)
        }

        /// Parses the payload; Track Properties fill the rest.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> RequestOK {
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "REQUEST_OK", draft: options.draft)
            return RequestOK(parameters: params, trackProperties: try Draft18.readTrackProperties(&r))
        }
    }
}
