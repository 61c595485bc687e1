import FastPath
#if canImport(Glibc)
import Glibc
#endif

/// Builds Ethernet/IPv4|IPv6/UDP frames around a QUIC payload, with valid checksums.
struct TestPacket {
    var destinationMAC: [UInt8]
    var sourceMAC: [UInt8]
    var path: FastPathEndpointPair
    var payload: [UInt8]
    /// Overrides the UDP length field (to craft truncated packets).
    var udpLengthOverride: Int? = nil

    var frame: [UInt8] {
        var udp: [UInt8] = []
        let udpLength = udpLengthOverride ?? (8 + payload.count)
        udp += be16(path.sourcePort) + be16(path.destinationPort) + be16(UInt16(udpLength)) + [0, 0]
        udp += payload
        let pseudo = InternetChecksum.pseudoHeaderSum(source: path.sourceAddress, destination: path.destinationAddress, udpLength: 8 + payload.count)
        var csum = InternetChecksum.checksum(udp, initial: pseudo)
        if csum == 0 { csum = 0xffff }
        udp[6] = UInt8(csum >> 8)
        udp[7] = UInt8(csum & 0xff)

        var frame = destinationMAC + sourceMAC
        if path.family == AF_INET {
            frame += [0x08, 0x00]
            var ip: [UInt8] = [0x45, 0x00] + be16(UInt16(20 + udp.count)) + [0x12, 0x34, 0x40, 0x00, 64, 17, 0, 0]
            ip += path.sourceAddress + path.destinationAddress
            let c = InternetChecksum.checksum(ip)
            ip[10] = UInt8(c >> 8)
            ip[11] = UInt8(c & 0xff)
            frame += ip
        } else {
            frame += [0x86, 0xdd]
            frame += [0x60, 0, 0, 0] + be16(UInt16(udp.count)) + [17, 64]
            frame += path.sourceAddress + path.destinationAddress
        }
        return frame + udp
    }
}

func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

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
