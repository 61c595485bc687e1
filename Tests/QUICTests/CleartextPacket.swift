import QUIC

/// A cleartext 1-RTT packet read off the wire by a test, without any keys.
struct CleartextPacket {
    var firstByte: UInt8
    var destinationConnectionID: QUICConnectionID
    var packetNumberLength: Int
    var truncatedPacketNumber: UInt64
    /// The bytes after the packet number (all frames, no tag).
    var payload: [UInt8]
    /// The frames, when the payload parses completely.
    var frames: [Frame]?

    /// The 1-RTT packet of `datagram` (after any coalesced long-header packets), read as cleartext.
    static func parse(_ datagram: [UInt8], connectionIDLength: Int = 8) -> CleartextPacket? {
        var offset = 0
        while offset < datagram.count {
            guard let header = try? PacketHeader.parse(datagram: datagram, at: offset, shortHeaderConnectionIDLength: connectionIDLength) else { return nil }
            if header.type == .oneRTT {
                let pnLength = Int(header.firstByte & 0x03) + 1
                let start = header.packetNumberOffset
                guard start + pnLength <= header.packetEnd else { return nil }
                var pn: UInt64 = 0
                for b in datagram[start..<start + pnLength] { pn = pn << 8 | UInt64(b) }
                let payload = Array(datagram[(start + pnLength)..<header.packetEnd])
                return CleartextPacket(firstByte: header.firstByte, destinationConnectionID: header.destinationConnectionID,
                                       packetNumberLength: pnLength, truncatedPacketNumber: pn, payload: payload,
                                       frames: try? Frame.decodeAll(payload))
            }
            offset = max(header.packetEnd, offset + 1)
        }
        return nil
    }

    /// True when `needle` occurs in `haystack`.
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count, let first = needle.first else { return needle.isEmpty }
        var i = 0
        while i + needle.count <= haystack.count {
            if haystack[i] == first && Array(haystack[i..<i + needle.count]) == needle { return true }
            i += 1
        }
        return false
    }
}
