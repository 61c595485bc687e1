/// RFC 1071 checksums for building and verifying crafted packets.
enum InternetChecksum {
    /// The one's-complement sum of `bytes` (16-bit big-endian words), folded, not inverted.
    static func sum<C: Collection>(_ bytes: C, initial: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        var total = initial
        var iterator = bytes.makeIterator()
        while let high = iterator.next() {
            let low = iterator.next() ?? 0
            total &+= UInt32(high) << 8 | UInt32(low)
            total = (total & 0xffff) &+ (total >> 16)
        }
        return total
    }

    /// The checksum of `bytes`: the inverted folded sum.
    static func checksum<C: Collection>(_ bytes: C, initial: UInt32 = 0) -> UInt16 where C.Element == UInt8 {
        var total = sum(bytes, initial: initial)
        while total > 0xffff { total = (total & 0xffff) &+ (total >> 16) }
        return ~UInt16(total)
    }

    /// The pseudo-header sum of a UDP datagram (RFC 768 / RFC 8200 §8.1).
    static func pseudoHeaderSum(source: [UInt8], destination: [UInt8], udpLength: Int) -> UInt32 {
        var pseudo = source + destination
        if source.count == 4 {
            pseudo += [0, 17, UInt8(udpLength >> 8), UInt8(udpLength & 0xff)]
        } else {
            pseudo += [UInt8(udpLength >> 24), UInt8((udpLength >> 16) & 0xff), UInt8((udpLength >> 8) & 0xff), UInt8(udpLength & 0xff), 0, 0, 0, 17]
        }
        return sum(pseudo)
    }

    /// Checks an Ethernet frame's IPv4 header checksum (if IPv4) and UDP checksum. A UDP checksum of 0
    /// counts as valid only for IPv4 when `allowZero` is set.
    static func verify(frame: [UInt8], allowZero: Bool = false) -> Bool {
        guard frame.count >= 14 else { return false }
        let etherType = UInt16(frame[12]) << 8 | UInt16(frame[13])
        var src: [UInt8], dst: [UInt8], l4: Int
        if etherType == 0x0800 {
            let ihl = Int(frame[14] & 0x0f) * 4
            guard frame.count >= 14 + ihl + 8 else { return false }
            if checksum(frame[14..<(14 + ihl)]) != 0 { return false }
            src = Array(frame[26..<30])
            dst = Array(frame[30..<34])
            l4 = 14 + ihl
        } else if etherType == 0x86dd {
            guard frame.count >= 14 + 40 + 8 else { return false }
            src = Array(frame[22..<38])
            dst = Array(frame[38..<54])
            l4 = 54
        } else {
            return false
        }
        let udpLength = Int(frame[l4 + 4]) << 8 | Int(frame[l4 + 5])
        guard udpLength >= 8, l4 + udpLength <= frame.count else { return false }
        let field = UInt16(frame[l4 + 6]) << 8 | UInt16(frame[l4 + 7])
        if field == 0 { return allowZero && src.count == 4 }
        let pseudo = pseudoHeaderSum(source: src, destination: dst, udpLength: udpLength)
        return checksum(frame[l4..<(l4 + udpLength)], initial: pseudo) == 0
    }
}
