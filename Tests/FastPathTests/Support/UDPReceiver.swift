#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A UDP socket on ::1 with an ephemeral port.
final class UDPReceiver {
    struct Datagram {
        var payload: [UInt8]
        var sourcePort: UInt16
    }

    private var fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var addr = sockaddr_in6()
        addr.sin6_family = sa_family_t(AF_INET6)
        addr.sin6_addr = in6addr_loopback
        var len = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        guard bound == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        self.fd = fd
        port = UInt16(bigEndian: addr.sin6_port)
    }

    func receive(timeoutMilliseconds: Int32) -> Datagram? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, timeoutMilliseconds) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var from = sockaddr_in6()
        var len = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let n = withUnsafeMutablePointer(to: &from) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, buffer.count, 0, $0, &len) }
        }
        guard n >= 0 else { return nil }
        return Datagram(payload: Array(buffer.prefix(n)), sourcePort: UInt16(bigEndian: from.sin6_port))
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
