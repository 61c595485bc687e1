/// Helpers that turn a fuzzer input into what a harness needs.
public enum FuzzBytes {
    /// The input copied into an array (libFuzzer may pass a null pointer for an empty input).
    public static func array(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
        guard let data, size > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// `bytes` cut into pieces of `size` (at least 1) bytes, the last one possibly shorter.
    public static func chunks(_ bytes: [UInt8], size: Int) -> [ArraySlice<UInt8>] {
        let step = max(1, size)
        return stride(from: 0, to: bytes.count, by: step).map { bytes[$0..<min($0 + step, bytes.count)] }
    }

    /// Lowercase hex of `bytes` (for messages).
    public static func hex<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 0xf)]) }
        return s
    }
}
