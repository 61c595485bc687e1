#if canImport(Glibc)
import Glibc
#endif

/// Which local interface the kernel routes toward a peer, and the relay's source address on it.
///
/// Asks the routing table the way a UDP socket does: `connect()` an unbound datagram socket to the
/// peer (no packet is sent) and read the source address the kernel picked, then find the interface
/// carrying that address. With symmetric routing, which the fast path assumes, that interface is
/// also where the peer's packets arrive.
public struct FastPathRoute: Sendable, Equatable {
    /// The interface name (e.g. `veth-r1`).
    public var interfaceName: String
    /// Its index.
    public var interfaceIndex: Int32
    /// The relay's source address toward the peer (4 or 16 bytes).
    public var localAddress: [UInt8]

    /// Creates a route from its parts.
    public init(interfaceName: String, interfaceIndex: Int32, localAddress: [UInt8]) {
        self.interfaceName = interfaceName
        self.interfaceIndex = interfaceIndex
        self.localAddress = localAddress
    }

    /// The route toward `peer` (4- or 16-byte address), or nil when there is none.
    public static func toward(_ peer: [UInt8]) -> FastPathRoute? {
        guard let local = localAddress(toward: peer) else { return nil }
        guard let name = interfaceName(carrying: local) else { return nil }
        let index = if_nametoindex(name)
        guard index != 0 else { return nil }
        return FastPathRoute(interfaceName: name, interfaceIndex: Int32(index), localAddress: local)
    }

    static func localAddress(toward peer: [UInt8]) -> [UInt8]? {
        let family = peer.count == 16 ? AF_INET6 : AF_INET
        guard peer.count == 4 || peer.count == 16 else { return nil }
        let fd = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if family == AF_INET {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(9).bigEndian
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: peer) }
            return boundAddress(fd, connectingTo: sin) { withUnsafeBytes(of: $0.sin_addr) { Array($0) } }
        } else {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(9).bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: peer) }
            return boundAddress(fd, connectingTo: sin6) { withUnsafeBytes(of: $0.sin6_addr) { Array($0) } }
        }
    }

    /// Connects UDP socket `fd` to `remote` (no packet is sent) and returns the local address the
    /// kernel chose for it (`getsockname`), as `address` extracts it from the socket address.
    private static func boundAddress<A>(_ fd: Int32, connectingTo remote: A, _ address: (A) -> [UInt8]) -> [UInt8]? {
        var remote = remote
        let size = socklen_t(MemoryLayout<A>.size)
        let rc = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
        guard rc == 0 else { return nil }
        var out = remote
        var len = size
        let got = withUnsafeMutablePointer(to: &out) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        guard got == 0 else { return nil }
        return address(out)
    }

    /// The interface that has `address` assigned, or nil.
    public static func interfaceName(carrying address: [UInt8]) -> String? {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return nil }
        defer { freeifaddrs(list) }
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let sa = entry.pointee.ifa_addr else { continue }
            let bytes: [UInt8]
            switch Int32(sa.pointee.sa_family) {
            case AF_INET where address.count == 4:
                bytes = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { p in withUnsafeBytes(of: p.pointee.sin_addr) { Array($0) } }
            case AF_INET6 where address.count == 16:
                bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { p in withUnsafeBytes(of: p.pointee.sin6_addr) { Array($0) } }
            default:
                continue
            }
            if bytes == address { return String(cString: entry.pointee.ifa_name) }
        }
        return nil
    }
}
