import Wire

extension Draft22 {
    /// PUBLISH_STATE_NOTIFY (0x22, new in draft-20 and kept in draft-22): on a subscription's request
    /// stream, the publisher reports state it changed on its own (largest object, forward state,
    /// filter). Only parameters; never answered.
    public struct PublishStateNotify: Draft18Message {
        /// 0x22.
        public static let messageType: UInt64 = 0x22
        /// Parameters it may carry.
        public static let allowedParameters: Set<Draft18.ParameterType> = [.largestObject, .forward, .subscriptionFilter]
        /// The changed state.
        public var parameters: MessageParameters

        /// A PUBLISH_STATE_NOTIFY.
        public init(parameters: MessageParameters = MessageParameters()) { self.parameters = parameters }

        /// Parameters (draft-22 encoding).
        public func encodePayload(into w: inout ByteWriter) {
            Draft18.writeParameters(parameters, into: &w, draft: .draft22)
        }

        /// Parses the payload; the parameters fill it.
        public static func decodePayload(_ r: inout ByteReader, options: Draft18.DecodeOptions) throws -> PublishStateNotify {
            let o = options.with(draft: .draft22)
            let params = try Draft18.readParameters(&r, allowed: o.scope(allowedParameters, messageType: messageType),
                                                    message: "PUBLISH_STATE_NOTIFY", draft: .draft22)
            try Draft18.expectEnd(r, "PUBLISH_STATE_NOTIFY")
            return PublishStateNotify(parameters: params)
        }
    }
}
