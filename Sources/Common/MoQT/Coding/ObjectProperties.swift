import Wire

/// The Object Properties block of object headers (draft-18 §11.2.1.2): a vi64 byte length, then
/// Key-Value-Pairs filling exactly that many bytes.
///
/// Pairs are kept in wire order; unknown types are preserved so a relay can forward them.
public struct ObjectProperties: Hashable, Sendable, ExpressibleByArrayLiteral {
    /// The properties, in ascending type order once encoded.
    public var pairs: [KeyValuePair]

    /// Properties from a list of pairs.
    public init(_ pairs: [KeyValuePair] = []) { self.pairs = pairs }
    /// Properties from a literal list of pairs.
    public init(arrayLiteral elements: KeyValuePair...) { self.pairs = elements }

    /// True when there are no properties.
    public var isEmpty: Bool { pairs.isEmpty }

    /// All pairs of `type`, in order.
    public func all(_ type: UInt64) -> [KeyValuePair] { pairs.filter { $0.type == type } }
    /// The first integer value of an even `type`.
    public func integer(_ type: UInt64) -> UInt64? { pairs.first { $0.type == type }?.integerValue }
    /// The first byte value of an odd `type`.
    public func bytes(_ type: UInt64) -> [UInt8]? { pairs.first { $0.type == type }?.bytesValue }

    /// Bytes of the pairs alone (without the length prefix).
    public var encodedPairsLength: Int { KeyValuePair.encodedLength(pairs) }

    /// Appends the length-prefixed block.
    public func encode(into w: inout ByteWriter) {
        var body = ByteWriter()
        KeyValuePair.encodeList(pairs, into: &body)
        w.writeVI64(UInt64(body.count))
        w.writeBytes(body.bytes)
    }

    /// Reads a length-prefixed block. Throws `DecodeError.needMoreData` (position unchanged) until
    /// the whole block is available, then `MoQTError` for anything malformed inside it.
    public static func decode(from r: inout ByteReader) throws -> ObjectProperties {
        var c = r
        let length = try c.readVI64()
        guard length <= UInt64(Int.max) else { throw MoQTError.protocolViolation("properties length too large") }
        let pairs = try KeyValuePair.decodeList(from: &c, byteCount: Int(length))
        r = c
        return ObjectProperties(pairs)
    }
}
