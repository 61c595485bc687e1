import Wire

/// The MoQT variable-length integer of draft-17 and later ("vi64", draft-18 §1.4.1).
///
/// The number of leading 1 bits of the first byte gives the encoded length: `0xxxxxxx` is one byte
/// (7 value bits), `10xxxxxx` two bytes (14 bits), and so on up to `11111110` (eight bytes, 56 bits);
/// `11111111` is followed by a full 64-bit value (nine bytes). Unlike the QUIC varint every length
/// from 1 to 9 exists, the whole `UInt64` range is encodable, and any length that can hold a value
/// is a valid encoding of it (decoders accept non-minimal encodings).
public enum VI64 {
    /// The longest encoding, in bytes.
    public static let maxLength = 9

    /// The largest value an encoding of `length` bytes (1...9) can carry.
    @inlinable public static func maxValue(forLength length: Int) -> UInt64 {
        precondition(length >= 1 && length <= maxLength, "vi64 length must be 1...9")
        if length == maxLength { return .max }
        return (UInt64(1) << UInt64(7 * length)) - 1
    }

    /// Bytes needed by the minimal encoding of `value` (1...9).
    @inlinable public static func encodedLength(_ value: UInt64) -> Int {
        // Each length below nine carries 7 bits per byte.
        let bits = 64 - value.leadingZeroBitCount
        if bits > 56 { return maxLength }
        return max(1, (bits + 6) / 7)
    }

    /// The total encoded length announced by `firstByte`.
    @inlinable public static func length(firstByte: UInt8) -> Int {
        let ones = (~firstByte).leadingZeroBitCount
        return ones == 8 ? maxLength : ones + 1
    }

    /// The encoding of `value`, minimal unless `length` forces a longer one.
    public static func encode(_ value: UInt64, length: Int? = nil) -> [UInt8] {
        var w = ByteWriter(capacity: maxLength)
        w.writeVI64(value, length: length)
        return w.bytes
    }
}
