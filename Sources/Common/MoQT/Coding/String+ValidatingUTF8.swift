extension String {
    /// The string these bytes spell in UTF-8, or nil if they are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: [UInt8]) {
        var it = bytes.makeIterator()
        var decoder = UTF8()
        var s = ""
        loop: while true {
            switch decoder.decode(&it) {
            case .scalarValue(let u): s.unicodeScalars.append(u)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = s
    }
}
