import Wire

extension Draft18 {
    /// FETCH_HEADER (§11.4.4): the start of the stream answering FETCH `requestID`.
    public struct FetchHeader: Hashable, Sendable {
        /// Stream type 0x05.
        public static let streamType: UInt64 = 0x05
        /// The FETCH's request ID.
        public var requestID: UInt64

        /// A fetch header.
        public init(requestID: UInt64) { self.requestID = requestID }

        /// Appends type and request ID.
        public func encode(into w: inout ByteWriter) {
            w.writeVI64(Self.streamType)
            w.writeVI64(requestID)
        }

        /// Reads the header (type included); needMoreData without moving when incomplete.
        public static func decode(from r: inout ByteReader) throws -> FetchHeader {
            var c = r
            let type = try c.readVI64()
            guard type == streamType else { throw MoQTError.protocolViolation("not a FETCH_HEADER: 0x\(String(type, radix: 16))") }
            let id = try c.readVI64()
            r = c
            return FetchHeader(requestID: id)
        }
    }
}
