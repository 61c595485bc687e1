import Wire

extension ByteReader {
    /// Reads a vi64 (draft-18 §1.4.1), accepting non-minimal encodings.
    ///
    /// Throws `DecodeError.needMoreData` without moving when the encoding is incomplete; every
    /// complete byte sequence is a valid vi64, so this never reports malformed input.
    public mutating func readVI64() throws(DecodeError) -> UInt64 {
        let first = try peekUInt8()
        let length = VI64.length(firstByte: first)
        guard remaining >= length else { throw .needMoreData }
        if length == VI64.maxLength {
            _ = try readUInt8()
            return try readUInt64()
        }
        let raw = try readBigEndian(count: length)
        return raw & VI64.maxValue(forLength: length)
    }

    /// Peeks at the vi64 at the current position without consuming it.
    public func peekVI64() throws(DecodeError) -> UInt64 {
        var copy = self
        return try copy.readVI64()
    }
}
