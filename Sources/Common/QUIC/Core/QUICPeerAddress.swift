/// A UDP peer address as an opaque value: IPv4 or IPv6 bytes and a port. The QUIC core only
/// compares and hashes addresses; the I/O layer converts them to and from socket addresses.
public struct QUICPeerAddress: Hashable, Sendable, CustomStringConvertible {
    /// 4 bytes (IPv4) or 16 bytes (IPv6), network order.
    public let ip: [UInt8]
    /// The UDP port.
    public let port: UInt16

    /// An address; nil unless `ip` has 4 or 16 bytes.
    public init?(ip: [UInt8], port: UInt16) {
        guard ip.count == 4 || ip.count == 16 else { return nil }
        self.ip = ip
        self.port = port
    }

    /// An IPv4 address from its four octets.
    public static func ipv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, port: UInt16) -> QUICPeerAddress {
        QUICPeerAddress(ip: [a, b, c, d], port: port)!
    }

    /// True for IPv6.
    public var isIPv6: Bool { ip.count == 16 }

    public var description: String {
        if ip.count == 4 { return ip.map(String.init).joined(separator: ".") + ":\(port)" }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(ip[i]) << 8 | UInt16(ip[i + 1]), radix: 16)) }
        return "[" + groups.joined(separator: ":") + "]:\(port)"
    }
}
