/// One header field.
public struct HTTPField: Equatable, Sendable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// QPACK (RFC 9204) without a dynamic table: this endpoint advertises a table capacity of 0, so a
/// peer may only use static references and literals. Strings may be Huffman-coded.
public enum QPACK {
    /// Decodes a field section (a HEADERS frame's payload). Any reference to the dynamic table, a
    /// non-zero Required Insert Count, a bad integer or string, or more than `maxSize` bytes of
    /// fields (name + value + 32 each, RFC 9114 §4.2.2) is QPACK_DECOMPRESSION_FAILED
    /// (H3_EXCESSIVE_LOAD for the size).
    public static func decode(_ bytes: [UInt8], maxSize: Int = 16 << 10) throws(HTTP3Error) -> [HTTPField] {
        var r = PrefixReader(bytes: bytes)
        let requiredInsertCount = try r.integer(prefixBits: 8)
        guard requiredInsertCount == 0 else { throw HTTP3Error(.qpackDecompressionFailed, "dynamic table reference (Required Insert Count \(requiredInsertCount))") }
        _ = try r.integer(prefixBits: 7)  // sign and Delta Base: meaningless without a dynamic table
        var fields: [HTTPField] = []
        var size = 0
        while !r.isAtEnd {
            let first = r.peek
            let field: HTTPField
            if first & 0x80 != 0 {
                // Indexed field line: 1 T index(6).
                guard first & 0x40 != 0 else { throw HTTP3Error(.qpackDecompressionFailed, "dynamic table reference") }
                let e = try staticEntry(try r.integer(prefixBits: 6))
                field = HTTPField(e.name, e.value)
            } else if first & 0x40 != 0 {
                // Literal with name reference: 01 N T index(4), value.
                guard first & 0x10 != 0 else { throw HTTP3Error(.qpackDecompressionFailed, "dynamic table name reference") }
                let e = try staticEntry(try r.integer(prefixBits: 4))
                field = HTTPField(e.name, try r.string(prefixBits: 7))
            } else if first & 0x20 != 0 {
                // Literal with literal name: 001 N H length(3) name, value.
                let name = try r.string(prefixBits: 3)
                field = HTTPField(name, try r.string(prefixBits: 7))
            } else {
                throw HTTP3Error(.qpackDecompressionFailed, "post-base reference")
            }
            size += field.name.utf8.count + field.value.utf8.count + 32
            if size > maxSize { throw HTTP3Error(.excessiveLoad, "field section larger than \(maxSize) bytes") }
            fields.append(field)
        }
        return fields
    }

    /// Encodes a field section: static references where the table has the field or its name,
    /// literals otherwise (no Huffman, no dynamic table).
    public static func encode(_ fields: [HTTPField]) -> [UInt8] {
        var out: [UInt8] = [0, 0]
        for f in fields {
            if let i = QPACKStaticTable.entries.firstIndex(where: { $0.name == f.name && $0.value == f.value }) {
                writeInteger(UInt64(i), prefixBits: 6, flags: 0xC0, into: &out)
            } else if let i = QPACKStaticTable.entries.firstIndex(where: { $0.name == f.name }) {
                writeInteger(UInt64(i), prefixBits: 4, flags: 0x50, into: &out)
                writeString(f.value, prefixBits: 7, flags: 0, into: &out)
            } else {
                writeString(f.name, prefixBits: 3, flags: 0x20, into: &out)
                writeString(f.value, prefixBits: 7, flags: 0, into: &out)
            }
        }
        return out
    }

    static func staticEntry(_ index: UInt64) throws(HTTP3Error) -> (name: String, value: String) {
        guard index < UInt64(QPACKStaticTable.entries.count) else {
            throw HTTP3Error(.qpackDecompressionFailed, "static index \(index) out of range")
        }
        return QPACKStaticTable.entries[Int(index)]
    }

    /// An RFC 7541 §5.1 prefix integer; `flags` fills the bits above the prefix.
    public static func writeInteger(_ value: UInt64, prefixBits: Int, flags: UInt8, into out: inout [UInt8]) {
        let max = UInt64((1 << prefixBits) - 1)
        if value < max {
            out.append(flags | UInt8(value))
            return
        }
        out.append(flags | UInt8(max))
        var rest = value - max
        while rest >= 128 {
            out.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }

    /// A string literal: the H bit (just above the length prefix) clear, length, bytes.
    static func writeString(_ s: String, prefixBits: Int, flags: UInt8, into out: inout [UInt8]) {
        let bytes = Array(s.utf8)
        writeInteger(UInt64(bytes.count), prefixBits: prefixBits, flags: flags, into: &out)
        out.append(contentsOf: bytes)
    }

    /// Encodes with Huffman-coded strings (as browsers send), for tests and fuzz seeds: literal
    /// names and values only.
    public static func encodeHuffmanLiterals(_ fields: [HTTPField]) -> [UInt8] {
        var out: [UInt8] = [0, 0]
        for f in fields {
            let n = Huffman.encode(Array(f.name.utf8)), v = Huffman.encode(Array(f.value.utf8))
            writeInteger(UInt64(n.count), prefixBits: 3, flags: 0x28, into: &out)
            out.append(contentsOf: n)
            writeInteger(UInt64(v.count), prefixBits: 7, flags: 0x80, into: &out)
            out.append(contentsOf: v)
        }
        return out
    }
}

/// Reads QPACK prefix integers and strings.
struct PrefixReader {
    let bytes: [UInt8]
    var offset = 0
    var isAtEnd: Bool { offset >= bytes.count }
    var peek: UInt8 { bytes[offset] }

    mutating func integer(prefixBits: Int) throws(HTTP3Error) -> UInt64 {
        guard offset < bytes.count else { throw HTTP3Error(.qpackDecompressionFailed, "truncated integer") }
        let max = UInt64((1 << prefixBits) - 1)
        var value = UInt64(bytes[offset]) & max
        offset += 1
        guard value == max else { return value }
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw HTTP3Error(.qpackDecompressionFailed, "truncated integer") }
            let b = bytes[offset]
            offset += 1
            guard shift <= 56 else { throw HTTP3Error(.qpackDecompressionFailed, "integer too large") }
            let (sum, overflow) = value.addingReportingOverflow(UInt64(b & 0x7f) << shift)
            guard !overflow, (UInt64(b & 0x7f) << shift) >> shift == UInt64(b & 0x7f) else {
                throw HTTP3Error(.qpackDecompressionFailed, "integer too large")
            }
            value = sum
            shift += 7
            if b & 0x80 == 0 { return value }
        }
    }

    /// A string whose H flag sits just above a `prefixBits` length.
    mutating func string(prefixBits: Int) throws(HTTP3Error) -> String {
        guard offset < bytes.count else { throw HTTP3Error(.qpackDecompressionFailed, "truncated string") }
        let huffman = bytes[offset] & UInt8(1 << prefixBits) != 0
        let length = try integer(prefixBits: prefixBits)
        guard length <= UInt64(bytes.count - offset) else { throw HTTP3Error(.qpackDecompressionFailed, "string past the end") }
        let raw = bytes[offset..<(offset + Int(length))]
        offset += Int(length)
        let decoded = huffman ? try Huffman.decode(raw) : Array(raw)
        return String(decoding: decoded, as: UTF8.self)
    }
}
