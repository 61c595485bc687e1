import Wire

extension Draft18 {
    /// PUBLISH_NAMESPACE (0x6, §10.15): first message of a request stream advertising a namespace.
    public struct PublishNamespace: Draft18Message {
        /// 0x6.
        public static let messageType: UInt64 = 0x6
        /// Parameters PUBLISH_NAMESPACE may carry.
        public static let allowedParameters: Set<ParameterType> = [.authorizationToken]
        /// The request ID.
        public var requestID: UInt64
        /// The namespace published.
        public var namespace: TrackNamespace
        /// Parameters.
        public var parameters: MessageParameters

        /// A PUBLISH_NAMESPACE.
        public init(requestID: UInt64, namespace: TrackNamespace, parameters: MessageParameters = MessageParameters()) {
            self.requestID = requestID
            self.namespace = namespace
            self.parameters = parameters
        }

        /// Request ID, namespace, parameters.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// The payload in `draft`'s encoding.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64(requestID)
            Draft18.writeNamespace(namespace, into: &w)
            Draft18.writeParameters(parameters, into: &w, draft: draft)
        }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> PublishNamespace {
            let id = try r.readVI64()
            let ns = try Draft18.readNamespace(&r)
            let params = try Draft18.readParameters(&r, allowed: options.scope(allowedParameters, messageType: messageType), message: "PUBLISH_NAMESPACE", draft: options.draft)
            try Draft18.expectEnd(r, "PUBLISH_NAMESPACE")
            return PublishNamespace(requestID: id, namespace: ns, parameters: params)
        }
    }
}
