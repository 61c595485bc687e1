import Wire

/// Field encodings shared by draft-18 messages (§1.4, §2.4.1).
extension Draft18 {
    /// Reads a vi64 byte length and that many bytes, rejecting lengths above `max` with
    /// PROTOCOL_VIOLATION (`what` names the field in the reason).
    static func readLengthPrefixed(_ r: inout ByteReader, max: Int, _ what: String) throws -> [UInt8] {
        var c = r
        let length = try c.readVI64()
        guard length <= UInt64(max) else { throw MoQTError.protocolViolation("\(what) length \(length) exceeds \(max)") }
        let bytes = try c.readBytes(Int(length))
        r = c
        return bytes
    }

    /// Reads a vi64 that must fit in a byte count the input could hold.
    static func readCount(_ r: inout ByteReader, _ what: String) throws -> Int {
        var c = r
        let value = try c.readVI64()
        guard value <= UInt64(Int32.max) else { throw MoQTError.protocolViolation("\(what) \(value) is too large") }
        r = c
        return Int(value)
    }

    /// Reads a Track Namespace (§2.4.1): 0...32 fields, each non-empty, at most 4,096 bytes in total.
    static func readNamespace(_ r: inout ByteReader) throws -> TrackNamespace {
        var c = r
        let count = try c.readVI64()
        guard count <= UInt64(TrackNamespace.maxFields) else {
            throw MoQTError.protocolViolation("track namespace has \(count) fields (max 32)")
        }
        var fields: [[UInt8]] = []
        var total = 0
        for _ in 0..<Int(count) {
            let field = try readLengthPrefixed(&c, max: TrackNamespace.maxLength, "track namespace field")
            guard !field.isEmpty else { throw MoQTError.protocolViolation("empty track namespace field") }
            total += field.count
            guard total <= TrackNamespace.maxLength else { throw MoQTError.protocolViolation("track namespace longer than 4096 bytes") }
            fields.append(field)
        }
        r = c
        return TrackNamespace(fields)
    }

    /// Writes a Track Namespace.
    static func writeNamespace(_ ns: TrackNamespace, into w: inout ByteWriter) {
        precondition(ns.fields.count <= TrackNamespace.maxFields, "track namespace has more than 32 fields")
        w.writeVI64(UInt64(ns.fields.count))
        for f in ns.fields {
            precondition(!f.isEmpty, "track namespace fields are non-empty")
            w.writeVI64Prefixed(f)
        }
    }

    /// Reads a Track Name whose namespace is `namespace`, enforcing the 4,096-byte full-name limit.
    static func readTrackName(_ r: inout ByteReader, namespace: TrackNamespace) throws -> [UInt8] {
        let budget = TrackNamespace.maxLength - namespace.byteLength
        var c = r
        let length = try c.readVI64()
        guard length <= UInt64(budget) else { throw MoQTError.protocolViolation("full track name longer than 4096 bytes") }
        let name = try c.readBytes(Int(length))
        r = c
        return name
    }

    /// Reads Track Namespace, Track Name Length and Track Name.
    static func readFullTrackName(_ r: inout ByteReader) throws -> FullTrackName {
        var c = r
        let ns = try readNamespace(&c)
        let name = try readTrackName(&c, namespace: ns)
        r = c
        return FullTrackName(namespace: ns, name: name)
    }

    /// Writes Track Namespace, Track Name Length and Track Name.
    static func writeFullTrackName(_ t: FullTrackName, into w: inout ByteWriter) {
        writeNamespace(t.namespace, into: &w)
        w.writeVI64Prefixed(t.name)
    }

    /// Reads a Location (§1.4.2).
    static func readLocation(_ r: inout ByteReader) throws -> Location {
        var c = r
        let g = try c.readVI64()
        let o = try c.readVI64()
        r = c
        return Location(group: g, object: o)
    }

    /// Writes a Location.
    static func writeLocation(_ l: Location, into w: inout ByteWriter) {
        w.writeVI64(l.group)
        w.writeVI64(l.object)
    }

    /// Reads a Reason Phrase (§1.4.4): at most 1,024 bytes of valid UTF-8.
    static func readReasonPhrase(_ r: inout ByteReader) throws -> String {
        try utf8String(try readLengthPrefixed(&r, max: maxReasonPhraseLength, "reason phrase"), "reason phrase")
    }

    /// The string `bytes` spell; invalid UTF-8 is PROTOCOL_VIOLATION (a replaced string would not
    /// re-encode to the same bytes, nor within the field's length limit).
    static func utf8String(_ bytes: [UInt8], _ field: String) throws -> String {
        guard let s = String(validatingUTF8Bytes: bytes) else { throw MoQTError(.protocolViolation, "\(field) is not UTF-8") }
        return s
    }

    /// Writes a Reason Phrase, truncated to 1,024 bytes on a character boundary.
    static func writeReasonPhrase(_ s: String, into w: inout ByteWriter) {
        w.writeVI64Prefixed(truncatedUTF8(s, max: maxReasonPhraseLength))
    }

    /// The UTF-8 of `s`, cut to at most `max` bytes without splitting a scalar.
    static func truncatedUTF8(_ s: String, max: Int) -> [UInt8] {
        let bytes = Array(s.utf8)
        if bytes.count <= max { return bytes }
        var end = max
        while end > 0 && (bytes[end] & 0xc0) == 0x80 { end -= 1 }
        return Array(bytes[0..<end])
    }

    /// Reads a uint8 that must be 0 or 1.
    static func readFlag(_ r: inout ByteReader, _ what: String) throws -> Bool {
        var c = r
        let v = try c.readUInt8()
        guard v <= 1 else { throw MoQTError.protocolViolation("\(what) is \(v), must be 0 or 1") }
        r = c
        return v == 1
    }

    /// Reads trailing Track Properties: Key-Value-Pairs filling the rest of the message.
    static func readTrackProperties(_ r: inout ByteReader) throws -> [KeyValuePair] {
        try KeyValuePair.decodeList(from: &r, byteCount: r.remaining)
    }

    /// Fails with PROTOCOL_VIOLATION unless the reader is at the end of the message.
    static func expectEnd(_ r: ByteReader, _ message: String) throws {
        guard r.isAtEnd else { throw MoQTError.protocolViolation("\(r.remaining) bytes left over in \(message)") }
    }
}
