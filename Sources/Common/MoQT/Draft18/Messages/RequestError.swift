import Wire

extension Draft18 {
    /// REQUEST_ERROR (0x5, §10.6): a request (or its update) failed.
    public struct RequestError: Draft18Message {
        /// 0x5.
        public static let messageType: UInt64 = 0x5
        /// The error code.
        public var code: RequestErrorCode
        /// Minimum milliseconds before retrying, plus one; 0 = do not retry, 1 = retry at once.
        public var retryInterval: UInt64
        /// Reason phrase (at most 1,024 bytes).
        public var reason: String
        /// Where to retry; present exactly when `code` is REDIRECT.
        public var redirect: Redirect?

        /// A REQUEST_ERROR. A REDIRECT code always carries a redirect (empty if none given).
        public init(code: RequestErrorCode, retryInterval: UInt64 = 0, reason: String = "", redirect: Redirect? = nil) {
            self.code = code
            self.retryInterval = retryInterval
            self.reason = reason
            self.redirect = code == .redirect ? (redirect ?? Redirect()) : nil
        }

        /// Code, retry interval, reason, redirect.
        public func encodePayload(into w: inout ByteWriter) {
            w.writeVI64(code.rawValue)
            w.writeVI64(retryInterval)
            Draft18.writeReasonPhrase(reason, into: &w)
            if code == .redirect {
                let r = redirect ?? Redirect()
                w.writeVI64Prefixed(Array(r.connectURI.utf8))
                Draft18.writeFullTrackName(FullTrackName(namespace: r.namespace, name: r.trackName), into: &w)
            }
        }

        /// Parses the payload (the Redirect structure only with code REDIRECT).
        public static func decodePayload(_ r: inout ByteReader, options: DecodeOptions) throws -> RequestError {
            let code = RequestErrorCode(rawValue: try r.readVI64())
            let retry = try r.readVI64()
            let reason = try Draft18.readReasonPhrase(&r)
            var redirect: Redirect?
            if code == .redirect {
                let uri = try Draft18.readLengthPrefixed(&r, max: maxMessagePayload, "connect URI")
                let t = try Draft18.readFullTrackName(&r)
                redirect = Redirect(connectURI: try Draft18.utf8String(uri, "connect URI"), namespace: t.namespace, trackName: t.name)
            }
            try Draft18.expectEnd(r, "REQUEST_ERROR")
            return RequestError(code: code, retryInterval: retry, reason: reason, redirect: redirect)
        }
    }
}
