/// Reads the fields of a TLS 1.3 ClientHello message that QUIC cares about (test helper; trusts its input
/// only as far as bounds checks go and returns nil on anything malformed).
struct ClientHelloInspector {
    var legacySessionID: [UInt8] = []
    var cipherSuites: [UInt16] = []
    /// Extension type -> body.
    var extensions: [UInt16: [UInt8]] = [:]
    var extensionOrder: [UInt16] = []

    init?(_ message: [UInt8]) {
        var cursor = Cursor(bytes: message)
        guard cursor.u8() == 1, let length = cursor.u24(), length == message.count - 4 else { return nil }
        guard cursor.skip(2 + 32), let sid = cursor.vector(lengthBytes: 1) else { return nil }
        legacySessionID = sid
        guard let suites = cursor.vector(lengthBytes: 2), suites.count % 2 == 0 else { return nil }
        cipherSuites = stride(from: 0, to: suites.count, by: 2).map { UInt16(suites[$0]) << 8 | UInt16(suites[$0 + 1]) }
        guard cursor.vector(lengthBytes: 1) != nil, let extensionBytes = cursor.vector(lengthBytes: 2) else { return nil }
        var inner = Cursor(bytes: extensionBytes)
        while !inner.atEnd {
            guard let type = inner.u16(), let body = inner.vector(lengthBytes: 2) else { return nil }
            extensions[type] = body
            extensionOrder.append(type)
        }
    }

    /// The same ClientHello without extension `type`, lengths fixed up.
    static func removing(extension type: UInt16, from message: [UInt8]) -> [UInt8]? {
        guard let hello = ClientHelloInspector(message) else { return nil }
        // Offset of the extensions block: header 4, version 2, random 32, then three vectors.
        var offset = 4 + 2 + 32
        offset += 1 + hello.legacySessionID.count
        offset += 2 + hello.cipherSuites.count * 2
        guard offset < message.count else { return nil }
        offset += 1 + Int(message[offset])
        var extensionBytes: [UInt8] = []
        for extensionType in hello.extensionOrder where extensionType != type {
            let body = hello.extensions[extensionType] ?? []
            extensionBytes += [UInt8(extensionType >> 8), UInt8(extensionType & 0xff), UInt8(body.count >> 8), UInt8(body.count & 0xff)] + body
        }
        var body = Array(message[4..<offset])
        body += [UInt8(extensionBytes.count >> 8), UInt8(extensionBytes.count & 0xff)] + extensionBytes
        return [1, UInt8(body.count >> 16), UInt8((body.count >> 8) & 0xff), UInt8(body.count & 0xff)] + body
    }

    /// Named groups for which the key_share extension (51) carries a share.
    var keyShareGroups: [UInt16] {
        guard let body = extensions[51] else { return [] }
        var cursor = Cursor(bytes: body)
        guard let shares = cursor.vector(lengthBytes: 2) else { return [] }
        var inner = Cursor(bytes: shares)
        var groups: [UInt16] = []
        while !inner.atEnd {
            guard let group = inner.u16(), inner.vector(lengthBytes: 2) != nil else { return groups }
            groups.append(group)
        }
        return groups
    }

    /// Protocol names of the ALPN extension (16).
    var alpnProtocols: [String] {
        guard let body = extensions[16] else { return [] }
        var cursor = Cursor(bytes: body)
        guard let list = cursor.vector(lengthBytes: 2) else { return [] }
        var inner = Cursor(bytes: list)
        var names: [String] = []
        while !inner.atEnd {
            guard let name = inner.vector(lengthBytes: 1) else { return names }
            names.append(String(decoding: name, as: UTF8.self))
        }
        return names
    }

    /// The host name of the server_name extension (0).
    var serverName: String? {
        guard let body = extensions[0] else { return nil }
        var cursor = Cursor(bytes: body)
        guard cursor.u16() != nil, cursor.u8() == 0, let name = cursor.vector(lengthBytes: 2) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    private struct Cursor {
        let bytes: [UInt8]
        var offset = 0
        var atEnd: Bool { offset >= bytes.count }

        mutating func u8() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u16() -> UInt16? {
            guard let high = u8(), let low = u8() else { return nil }
            return UInt16(high) << 8 | UInt16(low)
        }

        mutating func u24() -> Int? {
            guard let a = u8(), let b = u8(), let c = u8() else { return nil }
            return Int(a) << 16 | Int(b) << 8 | Int(c)
        }

        mutating func skip(_ count: Int) -> Bool {
            guard offset + count <= bytes.count else { return false }
            offset += count
            return true
        }

        mutating func vector(lengthBytes: Int) -> [UInt8]? {
            var length = 0
            for _ in 0..<lengthBytes {
                guard let byte = u8() else { return nil }
                length = length << 8 | Int(byte)
            }
            guard offset + length <= bytes.count else { return nil }
            defer { offset += length }
            return Array(bytes[offset..<offset + length])
        }
    }
}
