import Wire

extension Draft18 {
    /// REQUEST_UPDATE (0x2, §10.9): changes parameters of the request on the same stream.
    public struct RequestUpdate: Draft18Message {
        /// 0x2.
        public static let messageType: UInt64 = 0x2
        /// Parameters REQUEST_UPDATE may carry (for any kind of request).
        public static let allowedParameters: Set<ParameterType> = [
            .authorizationToken, .objectDeliveryTimeout, .subgroupDeliveryTimeout, .subscriberPriority,
            .subscriptionFilter, .forward, .newGroupRequest, .trackNamespacePrefix,
        ]
        /// The request ID of this update.
        public var requestID: UInt64
        /// Changed parameters; absent ones keep their value.
        public var parameters: MessageParameters

        /// A REQUEST_UPDATE.
        public init(requestID: UInt64, parameters: MessageParameters = MessageParameters()) {
            self.requestID = requestID
            self.parameters = parameters
        }

        /// Request ID, parameters.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64(requestID)
            Draft18.writeParameters(parameters, into: &w, draft: draft)
        }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> RequestUpdate {
            let id = try r.readVI64()
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "REQUEST_UPDATE", draft: options.draft)
            try Draft18.expectEnd(r, "REQUEST_UPDATE")
            return RequestUpdate(requestID: id, parameters: params)
        }
    }
}
