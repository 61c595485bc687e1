import NIOCore
import QUIC

extension QUICPeerAddress {
    /// The QUIC core's view of a NIO socket address (nil for Unix-domain addresses).
    public init?(_ address: SocketAddress) {
        switch address {
        case .v4(let a):
            let s = a.address.sin_addr.s_addr  // network order in memory
            let bytes = withUnsafeBytes(of: s) { Array($0) }
            self.init(ip: bytes, port: UInt16(bigEndian: a.address.sin_port))
        case .v6(let a):
            let bytes = withUnsafeBytes(of: a.address.sin6_addr) { Array($0) }
            self.init(ip: bytes, port: UInt16(bigEndian: a.address.sin6_port))
        case .unixDomainSocket:
            return nil
        }
    }

    /// The NIO socket address for this peer.
    public var socketAddress: SocketAddress {
        var buffer = ByteBuffer()
        buffer.writeBytes(ip)
        // Packed 4- or 16-byte addresses are always valid.
        return try! SocketAddress(packedIPAddress: buffer, port: Int(port))
    }
}
