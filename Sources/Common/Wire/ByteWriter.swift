/// An append-only byte buffer for encoding.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8]

    /// An empty writer, optionally reserving room for `capacity` bytes.
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written.
    @inlinable public var count: Int { bytes.count }

    /// Appends one byte.
    @inlinable public mutating func writeUInt8(_ value: UInt8) { bytes.append(value) }

    /// Appends `value` big-endian in `count` bytes (1...8).
    public mutating func writeBigEndian(_ value: UInt64, count: Int) {
        precondition(count >= 1 && count <= 8)
        for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(UInt8(truncatingIfNeeded: value >> (UInt64(i) * 8))) }
    }

    /// Appends a big-endian `UInt16`.
    public mutating func writeUInt16(_ value: UInt16) { writeBigEndian(UInt64(value), count: 2) }
    /// Appends a big-endian `UInt32`.
    public mutating func writeUInt32(_ value: UInt32) { writeBigEndian(UInt64(value), count: 4) }
    /// Appends a big-endian `UInt64`.
    public mutating func writeUInt64(_ value: UInt64) { writeBigEndian(value, count: 8) }

    /// Appends raw bytes.
    public mutating func writeBytes<S: Sequence>(_ data: S) where S.Element == UInt8 { bytes.append(contentsOf: data) }

    /// Appends a QUIC varint in its minimal encoding, or in exactly `length` bytes (1, 2, 4 or 8)
    /// when given: RFC 9000 §16 allows longer encodings, which fixed-size fields rely on.
    public mutating func writeVarint(_ value: UInt64, length: Int? = nil) {
        let n = length ?? QUICVarint.encodedLength(value)
        precondition(QUICVarint.encodedLength(value) <= n, "varint does not fit in \(n) bytes")
        switch n {
        case 1: bytes.append(UInt8(value))
        case 2: writeBigEndian(value | 0x4000, count: 2)
        case 4: writeBigEndian(value | 0x8000_0000, count: 4)
        case 8: writeBigEndian(value | 0xc000_0000_0000_0000, count: 8)
        default: preconditionFailure("varint length must be 1, 2, 4 or 8")
        }
    }

    /// Overwrites bytes at `offset` (used to patch lengths after the fact).
    public mutating func overwrite(at offset: Int, with data: [UInt8]) {
        bytes.replaceSubrange(offset..<offset + data.count, with: data)
    }
}

/// QUIC variable-length integers (RFC 9000 §16).
public enum QUICVarint {
    /// The largest encodable value, 2^62 - 1.
    public static let maxValue: UInt64 = (1 << 62) - 1

    /// Bytes needed by the minimal encoding of `value` (1, 2, 4 or 8).
    @inlinable public static func encodedLength(_ value: UInt64) -> Int {
        switch value {
        case 0..<64: return 1
        case 64..<16384: return 2
        case 16384..<1_073_741_824: return 4
        default:
            precondition(value <= maxValue, "varint out of range")
            return 8
        }
    }

    /// The minimal encoding of `value`.
    public static func encode(_ value: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: 8)
        w.writeVarint(value)
        return w.bytes
    }
}
