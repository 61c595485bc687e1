extension Draft18 {
    /// Setup Option types (§10.3.1, §15.4), constant across drafts.
    public enum SetupOptionType: UInt64, Sendable, CaseIterable {
        /// PATH (bytes).
        case path = 0x01
        /// AUTHORIZATION_TOKEN (Token structure; may repeat).
        case authorizationToken = 0x03
        /// MAX_AUTH_TOKEN_CACHE_SIZE (integer).
        case maxAuthTokenCacheSize = 0x04
        /// AUTHORITY (bytes).
        case authority = 0x05
        /// MOQT_IMPLEMENTATION (bytes, UTF-8).
        /// draft-22: MAX_FILTER_RANGES (Range Filter ranges the sender accepts per request).
        case maxFilterRanges = 0x06
        case implementation = 0x07
        /// draft-22: MAX_REQUEST_UPDATES (outstanding REQUEST_UPDATEs per request stream; 0 = no limit).
        case maxRequestUpdates = 0x08
    }
}
