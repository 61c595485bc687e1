import Wire

extension Draft18 {
    /// GOAWAY (0x10, §10.4): the sender will close the session (control stream) or wants one
    /// request migrated (request stream).
    public struct GoAway: Draft18Message {
        /// 0x10.
        public static let messageType: UInt64 = 0x10
        /// Where to reconnect; empty means the current URI (clients always send empty).
        public var newSessionURI: String
        /// Milliseconds the sender waits before closing; 0 = no specific timeout.
        public var timeout: UInt64
        /// Smallest peer request ID not processed; present only on the control stream.
        public var requestID: UInt64?

        /// A GOAWAY.
        public init(newSessionURI: String = "", timeout: UInt64 = 0, requestID: UInt64? = nil) {
            self.newSessionURI = newSessionURI
            self.timeout = timeout
            self.requestID = requestID
        }

        /// URI, timeout, optional request ID.
        public func encodePayload(into w: inout ByteWriter) { encodePayload(into: &w, draft: .draft18) }

        /// draft-22's GOAWAY has no Request ID: it is left out.
        public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) {
            w.writeVI64Prefixed(Draft18.truncatedUTF8(newSessionURI, max: Draft18.maxGoawayURILength))
            w.writeVI64(timeout)
            if draft == .draft18, let id = requestID { w.writeVI64(id) }
        }

        /// A URI longer than 8,192 bytes is PROTOCOL_VIOLATION.
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> GoAway {
            let uri = try Draft18.readLengthPrefixed(&r, max: Draft18.maxGoawayURILength, "GOAWAY URI")
            let timeout = try r.readVI64()
            let id: UInt64? = r.isAtEnd || options.draft == .draft22 ? nil : try r.readVI64()
            try Draft18.expectEnd(r, "GOAWAY")
            return GoAway(newSessionURI: try Draft18.utf8String(uri, "GOAWAY URI"), timeout: timeout, requestID: id)
        }
    }
}
