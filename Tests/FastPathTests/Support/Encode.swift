/// QUIC and MoQT encodings for crafted packets.
enum Encode {
    /// A QUIC varint in exactly `length` bytes (1, 2, 4 or 8).
    static func varint(_ v: UInt64, length: Int) -> [UInt8] {
        let prefix: UInt8 = [1: 0x00, 2: 0x40, 4: 0x80, 8: 0xc0][length]!
        var out = (0..<length).map { i in UInt8((v >> (8 * UInt64(length - 1 - i))) & 0xff) }
        out[0] |= prefix
        return out
    }

    /// A MoQT vi64 in exactly `length` bytes (1...9): length-1 leading one bits, then a zero bit.
    static func vi64(_ v: UInt64, length: Int) -> [UInt8] {
        if length == 9 { return [0xff] + (0..<8).map { i in UInt8((v >> (8 * UInt64(7 - i))) & 0xff) } }
        var out = (0..<length).map { i in UInt8((v >> (8 * UInt64(length - 1 - i))) & 0xff) }
        let prefix = UInt8(truncatingIfNeeded: 0xff00 >> (length - 1))
        out[0] = prefix | (out[0] & (0xff >> length))
        return out
    }

    /// A draft-18 SUBGROUP_HEADER. `priority` nil sets the DEFAULT_PRIORITY bit.
    static func subgroupHeader(alias: UInt64, aliasLength: Int = 1, group: UInt64, subgroup: UInt64? = nil,
                               priority: UInt8?) -> [UInt8] {
        var type: UInt64 = 0x10
        if subgroup != nil { type |= 0x04 }
        if priority == nil { type |= 0x20 }
        var out = vi64(type, length: 1) + vi64(alias, length: aliasLength) + vi64(group, length: 2)
        if let subgroup { out += vi64(subgroup, length: 1) }
        if let priority { out.append(priority) }
        return out
    }

    /// A 1-RTT short-header packet with one STREAM frame: first byte, DCID, 4-byte packet number, frame.
    static func shortPacket(dcid: [UInt8], packetNumber: UInt32, keyPhase: Bool = false, streamID: UInt64,
                            streamIDLength: Int = 4, offset: UInt64, alwaysOffset: Bool = true, fin: Bool = false,
                            withLength: Bool = true, data: [UInt8], trailing: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = [0x40 | 0x03 | (keyPhase ? 0x04 : 0)]
        out += dcid
        out += [UInt8(packetNumber >> 24), UInt8((packetNumber >> 16) & 0xff), UInt8((packetNumber >> 8) & 0xff), UInt8(packetNumber & 0xff)]
        var type: UInt8 = 0x08
        let hasOffset = offset != 0 || alwaysOffset
        if hasOffset { type |= 0x04 }
        if withLength { type |= 0x02 }
        if fin { type |= 0x01 }
        out.append(type)
        out += varint(streamID, length: streamIDLength)
        if hasOffset { out += varint(offset, length: 4) }
        if withLength { out += varint(UInt64(data.count), length: 2) }
        return out + data + trailing
    }
}
