import Wire

/// One Key-Value-Pair (draft-18 §1.4.3), the encoding of message parameters, setup options and
/// track/object Properties.
///
/// An even type carries a vi64 value; an odd type carries up to 65,535 bytes. The invariant is
/// checked on construction, so an encoded pair always matches its type's parity.
public struct KeyValuePair: Hashable, Sendable, CustomStringConvertible {
    /// A pair's value: an integer for even types, bytes for odd types.
    public enum Value: Hashable, Sendable {
        /// The value of an even type.
        case integer(UInt64)
        /// The value of an odd type.
        case bytes([UInt8])
    }

    /// The largest byte value an odd type may carry (2^16 - 1).
    public static let maxValueLength = 0xffff

    /// The pair's type (absolute, not the on-wire delta).
    public let type: UInt64
    /// The pair's value.
    public let value: Value

    /// An even-typed pair carrying an integer.
    public init(type: UInt64, integer: UInt64) {
        precondition(type & 1 == 0, "integer-valued key-value types are even")
        self.type = type
        self.value = .integer(integer)
    }

    /// An odd-typed pair carrying bytes (at most `maxValueLength`).
    public init<C: Collection>(type: UInt64, bytes: C) where C.Element == UInt8 {
        precondition(type & 1 == 1, "byte-valued key-value types are odd")
        precondition(bytes.count <= KeyValuePair.maxValueLength, "key-value byte value longer than 65535")
        self.type = type
        self.value = .bytes(Array(bytes))
    }

    /// The integer value, when the type is even.
    public var integerValue: UInt64? { if case .integer(let v) = value { return v } else { return nil } }
    /// The byte value, when the type is odd.
    public var bytesValue: [UInt8]? { if case .bytes(let b) = value { return b } else { return nil } }

    /// `0xTT=value` for logs.
    public var description: String {
        switch value {
        case .integer(let v): return "0x\(String(type, radix: 16))=\(v)"
        case .bytes(let b): return "0x\(String(type, radix: 16))=[\(b.count) bytes]"
        }
    }

    // MARK: - One pair

    /// Appends this pair, its type written as a delta from `previousType` (which must not exceed it).
    public func encode(into w: inout ByteWriter, previousType: UInt64) {
        precondition(type >= previousType, "key-value pairs must be encoded in ascending type order")
        w.writeVI64(type - previousType)
        switch value {
        case .integer(let v): w.writeVI64(v)
        case .bytes(let b): w.writeVI64Prefixed(b)
        }
    }

    /// Reads one pair whose type is a delta from `previousType`.
    ///
    /// Throws `DecodeError.needMoreData` (position unchanged) when incomplete, and a
    /// PROTOCOL_VIOLATION when the type overflows 2^64 - 1 or a byte value is longer than 65,535.
    public static func decode(from r: inout ByteReader, previousType: UInt64) throws -> KeyValuePair {
        var c = r
        let delta = try c.readVI64()
        let (type, overflow) = previousType.addingReportingOverflow(delta)
        if overflow { throw MoQTError.protocolViolation("key-value type delta overflows 2^64-1") }
        let pair: KeyValuePair
        if type & 1 == 0 {
            pair = KeyValuePair(type: type, integer: try c.readVI64())
        } else {
            let length = try c.readVI64()
            guard length <= UInt64(maxValueLength) else {
                throw MoQTError.protocolViolation("key-value length \(length) exceeds 65535")
            }
            pair = KeyValuePair(type: type, bytes: try c.readBytes(Int(length)))
        }
        r = c
        return pair
    }

    // MARK: - Lists

    /// Appends `pairs` delta-encoded. Pairs are written in ascending type order (a stable sort, so
    /// repeated types keep their relative order); a list decodes back in that order.
    public static func encodeList(_ pairs: [KeyValuePair], into w: inout ByteWriter) {
        var previous: UInt64 = 0
        for pair in sortedForWire(pairs) {
            pair.encode(into: &w, previousType: previous)
            previous = pair.type
        }
    }

    /// `pairs` in the order they go on the wire (ascending type, stable).
    public static func sortedForWire(_ pairs: [KeyValuePair]) -> [KeyValuePair] {
        var isSorted = true
        for i in pairs.indices.dropFirst() where pairs[i - 1].type > pairs[i].type { isSorted = false; break }
        if isSorted { return pairs }
        return pairs.enumerated().sorted { ($0.element.type, $0.offset) < ($1.element.type, $1.offset) }.map(\.element)
    }

    /// Reads `count` pairs (a "Number of Parameters" list).
    ///
    /// Throws `DecodeError.needMoreData` (position unchanged) when the input ends first; the
    /// caller, which knows whether the enclosing length was complete, maps that to an error.
    public static func decodeList(from r: inout ByteReader, count: UInt64) throws -> [KeyValuePair] {
        // Every pair takes at least two bytes: a count larger than that is a lie, not a wait.
        if count > UInt64(r.remaining) { throw DecodeError.needMoreData }
        var c = r
        var pairs: [KeyValuePair] = []
        pairs.reserveCapacity(Int(count))
        var previous: UInt64 = 0
        for _ in 0..<count {
            let pair = try decode(from: &c, previousType: previous)
            previous = pair.type
            pairs.append(pair)
        }
        r = c
        return pairs
    }

    /// Reads pairs filling exactly `byteCount` bytes (a length-bounded block such as Object
    /// Properties or trailing Track Properties).
    ///
    /// Throws `DecodeError.needMoreData` (position unchanged) if fewer than `byteCount` bytes are
    /// available; inside the block every problem is a `MoQTError` (a pair running past the end of
    /// the block is a PROTOCOL_VIOLATION).
    public static func decodeList(from r: inout ByteReader, byteCount: Int) throws -> [KeyValuePair] {
        guard byteCount >= 0 else { throw MoQTError.protocolViolation("negative key-value block length") }
        guard r.remaining >= byteCount else { throw DecodeError.needMoreData }
        var block = ByteReader(r.bytes, range: r.offset..<r.offset + byteCount)
        var pairs: [KeyValuePair] = []
        var previous: UInt64 = 0
        do {
            while !block.isAtEnd {
                let pair = try decode(from: &block, previousType: previous)
                previous = pair.type
                pairs.append(pair)
            }
        } catch {
            throw MoQTError.bounded(error, "key-value block")
        }
        try r.skip(byteCount)
        return pairs
    }

    /// The encoded size of `pairs` as `encodeList` writes them.
    public static func encodedLength(_ pairs: [KeyValuePair]) -> Int {
        var w = ByteWriter()
        encodeList(pairs, into: &w)
        return w.count
    }
}
