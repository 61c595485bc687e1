import Wire

extension Draft18 {
    /// PUBLISH_DONE (0xB, §10.11): the publisher's last message on a subscription's stream.
    public struct PublishDone: Draft18Message {
        /// 0xB.
        public static let messageType: UInt64 = 0xB
        /// Why the subscription ended.
        public var statusCode: PublishDoneCode
        /// Data streams opened for the subscription (2^62 - 1 if unknown).
        public var streamCount: UInt64
        /// Reason phrase (at most 1,024 bytes).
        public var reason: String

        /// A PUBLISH_DONE.
        public init(statusCode: PublishDoneCode, streamCount: UInt64, reason: String = "") {
            self.statusCode = statusCode
            self.streamCount = streamCount
            self.reason = reason
        }

        /// Status, stream count, reason.
        public func encodePayload(into w: inout ByteWriter) {
            w.writeVI64(statusCode.rawValue)
            w.writeVI64(streamCount)
            Draft18.writeReasonPhrase(reason, into: &w)
        }

        /// Parses the payload.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> PublishDone {
            let code = try r.readVI64()
            let count = try r.readVI64()
            let reason = try Draft18.readReasonPhrase(&r)
            try Draft18.expectEnd(r, "PUBLISH_DONE")
            return PublishDone(statusCode: PublishDoneCode(rawValue: code), streamCount: count, reason: reason)
        }
    }
}
