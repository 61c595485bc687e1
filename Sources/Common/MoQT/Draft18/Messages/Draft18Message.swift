import Wire

/// A draft-18 control message body: its type code and the codec of its payload (the bytes after
/// the Type and Length fields).
public protocol Draft18Message: Hashable, Sendable {
    /// The Message Type code.
    static var messageType: UInt64 { get }
    /// Appends the payload (draft-18 encoding).
    func encodePayload(into w: inout ByteWriter)
    /// Appends the payload in `draft`'s encoding (the same bytes unless the message differs).
    func encodePayload(into w: inout ByteWriter, draft: MoQTDraft)
    /// Parses a whole payload. `r` covers exactly the payload; the caller maps running out of
    /// bytes to PROTOCOL_VIOLATION. Leftover bytes are rejected by the implementation.
    static func decodePayload(_ r: inout ByteReader, options: Draft18.DecodeOptions) throws -> Self
}

extension Draft18Message {
    /// Messages whose body no draft changes ignore `draft`.
    public func encodePayload(into w: inout ByteWriter, draft: MoQTDraft) { encodePayload(into: &w) }

    /// The framed message in `draft`'s encoding.
    public func encoded(draft: MoQTDraft) -> [UInt8] {
        var w = ByteWriter()
        Draft18.frame(Self.messageType, payload: { encodePayload(into: &$0, draft: draft) }, into: &w)
        return w.bytes
    }

    /// Parses a whole payload with the default (`standard`) options.
    public static func decodePayload(_ r: inout ByteReader) throws -> Self { try decodePayload(&r, options: .standard) }

    /// The framed message: Type (vi64), Length (16), payload.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        Draft18.frame(Self.messageType, payload: { encodePayload(into: &$0) }, into: &w)
        return w.bytes
    }
}

extension Draft18 {
    /// Writes Type, a 16-bit Length and the payload `body` produces.
    static func frame(_ type: UInt64, payload body: (inout ByteWriter) -> Void, into w: inout ByteWriter) {
        var p = ByteWriter()
        body(&p)
        precondition(p.count <= maxMessagePayload, "control message payload exceeds 65535 bytes")
        w.writeVI64(type)
        w.writeUInt16(UInt16(p.count))
        w.writeBytes(p.bytes)
    }
}
