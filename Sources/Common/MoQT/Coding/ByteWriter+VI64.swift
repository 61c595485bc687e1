import Wire

extension ByteWriter {
    /// Appends `value` as a vi64 (draft-18 §1.4.1): minimal, or in exactly `length` bytes (1...9)
    /// when given, e.g. so a field can be patched in place later.
    public mutating func writeVI64(_ value: UInt64, length: Int? = nil) {
        let n = length ?? VI64.encodedLength(value)
        precondition(n >= 1 && n <= VI64.maxLength, "vi64 length must be 1...9")
        precondition(value <= VI64.maxValue(forLength: n), "vi64 value does not fit in \(n) bytes")
        if n == VI64.maxLength {
            writeUInt8(0xff)
            writeUInt64(value)
            return
        }
        // n - 1 leading ones then a zero; the value fills the remaining 7 * n bits.
        let prefix = UInt64(0xff00 >> (n - 1)) & 0xff
        writeBigEndian(value | (prefix << UInt64(8 * (n - 1))), count: n)
    }

    /// Appends a length-prefixed byte string (vi64 length, then the bytes).
    public mutating func writeVI64Prefixed<C: Collection>(_ data: C) where C.Element == UInt8 {
        writeVI64(UInt64(data.count))
        writeBytes(data)
    }
}
