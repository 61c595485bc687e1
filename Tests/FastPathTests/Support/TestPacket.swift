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
