/// A cursor over a byte array for decoding network input.
///
/// Every `read*` either returns a value and advances, or throws `DecodeError.needMoreData`
/// without moving. Bounds are always checked: network bytes can never crash the reader.
public struct ByteReader: Sendable {
    /// The bytes being read (the whole buffer; `offset` indexes into it).
    public let bytes: [UInt8]
    /// Index of the next byte to read.
    public private(set) var offset: Int
    /// One past the last readable byte.
    public let end: Int

    /// A reader over `bytes[range]` (the whole array by default).
    public init(_ bytes: [UInt8], range: Range<Int>? = nil) {
        self.bytes = bytes
        let range = range ?? 0..<bytes.count
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count)
        self.offset = range.lowerBound
        self.end = range.upperBound
    }

    /// A reader over a slice's bytes (copied into a fresh array only if the slice is not the whole array).
    public init(_ slice: ArraySlice<UInt8>) {
        self.init(Array(slice))
    }

    /// Bytes left to read.
    @inlinable public var remaining: Int { end - offset }
    /// True when nothing is left.
    @inlinable public var isAtEnd: Bool { offset >= end }

    /// Reads one byte.
    public mutating func readUInt8() throws(DecodeError) -> UInt8 {
        guard offset < end else { throw .needMoreData }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Peeks at the next byte without consuming it.
    public func peekUInt8() throws(DecodeError) -> UInt8 {
        guard offset < end else { throw .needMoreData }
        return bytes[offset]
    }

    /// Reads a big-endian unsigned integer of `count` bytes (1...8).
    public mutating func readBigEndian(count: Int) throws(DecodeError) -> UInt64 {
        precondition(count >= 1 && count <= 8)
        guard remaining >= count else { throw .needMoreData }
        var value: UInt64 = 0
        for i in 0..<count { value = (value << 8) | UInt64(bytes[offset + i]) }
        offset += count
        return value
    }

    /// Reads a big-endian `UInt16`.
    public mutating func readUInt16() throws(DecodeError) -> UInt16 { UInt16(try readBigEndian(count: 2)) }
    /// Reads a big-endian `UInt32`.
    public mutating func readUInt32() throws(DecodeError) -> UInt32 { UInt32(try readBigEndian(count: 4)) }
    /// Reads a big-endian `UInt64`.
    public mutating func readUInt64() throws(DecodeError) -> UInt64 { try readBigEndian(count: 8) }

    /// Reads `count` bytes.
    public mutating func readBytes(_ count: Int) throws(DecodeError) -> [UInt8] {
        guard count >= 0 else { throw .malformed("negative length") }
        guard remaining >= count else { throw .needMoreData }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    /// Reads `count` bytes and returns their range in `bytes` (no copy).
    public mutating func readRange(_ count: Int) throws(DecodeError) -> Range<Int> {
        guard count >= 0 else { throw .malformed("negative length") }
        guard remaining >= count else { throw .needMoreData }
        defer { offset += count }
        return offset..<offset + count
    }

    /// Reads everything that is left.
    public mutating func readRest() -> [UInt8] {
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    /// Skips `count` bytes.
    public mutating func skip(_ count: Int) throws(DecodeError) {
        guard count >= 0 else { throw .malformed("negative length") }
        guard remaining >= count else { throw .needMoreData }
        offset += count
    }

    /// Reads a QUIC variable-length integer (RFC 9000 §16).
    public mutating func readVarint() throws(DecodeError) -> UInt64 {
        guard offset < end else { throw .needMoreData }
        let length = 1 << Int(bytes[offset] >> 6)
        guard remaining >= length else { throw .needMoreData }
        var value = UInt64(bytes[offset] & 0x3f)
        for i in 1..<length { value = (value << 8) | UInt64(bytes[offset + i]) }
        offset += length
        return value
    }

    /// Reads a QUIC varint that must fit in `Int` (lengths, counts).
    public mutating func readVarintLength() throws(DecodeError) -> Int {
        let saved = offset
        let value = try readVarint()
        guard value <= UInt64(Int.max) else { offset = saved; throw .malformed("length too large") }
        return Int(value)
    }

    /// Runs `body` and restores the position if it throws, so a failed parse consumes nothing.
    public mutating func transaction<T>(_ body: (inout ByteReader) throws(DecodeError) -> T) throws(DecodeError) -> T {
        var copy = self
        let value = try body(&copy)
        self = copy
        return value
    }
}
