/// Follows the TLS handshake message framing (1-byte type, 3-byte length, body; RFC 8446 §4) of the
/// in-order CRYPTO bytes of one encryption level, so a connection learns the size of each message
/// from its header, before the TLS stack buffers the body. A peer can then be refused for a
/// ClientHello "of 16 MiB" after 4 bytes instead of after 16 MiB.
package struct HandshakeMessageFraming: Equatable {
    /// Header bytes of the current message seen so far (0...3; 4 means the body is under way).
    private var headerBytes = 0
    private var length = 0
    /// Body bytes still to come of the current message.
    private var remaining = 0

    package init() {}

    /// Consumes `bytes` (the next in-order CRYPTO bytes); returns the total size (header included)
    /// of the first message whose header completed here that exceeds `limit`, or nil if none did.
    package mutating func consume(_ bytes: [UInt8], limit: Int) -> Int? {
        var i = 0
        while i < bytes.count {
            if headerBytes < 4 {
                if headerBytes > 0 { length = length << 8 | Int(bytes[i]) }
                headerBytes += 1
                i += 1
                if headerBytes == 4 {
                    if 4 + length > limit { return 4 + length }
                    remaining = length
                    if remaining == 0 { headerBytes = 0; length = 0 }
                }
                continue
            }
            let take = min(remaining, bytes.count - i)
            remaining -= take
            i += take
            if remaining == 0 { headerBytes = 0; length = 0 }
        }
        return nil
    }
}
