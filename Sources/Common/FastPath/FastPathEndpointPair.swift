import CFastPathABI
#if canImport(Glibc)
import Glibc
#endif

/// Source and destination address and port of a UDP path, IPv4 or IPv6 (`fp_endpoint_pair`).
public struct FastPathEndpointPair: Sendable, Equatable {
    /// AF_INET or AF_INET6.
    public var family: Int32
    /// Source address bytes (4 or 16).
    public var sourceAddress: [UInt8]
    /// Source port (host order).
    public var sourcePort: UInt16
    /// Destination address bytes (4 or 16).
    public var destinationAddress: [UInt8]
    /// Destination port (host order).
    public var destinationPort: UInt16

    /// Parses textual addresses ("192.0.2.1", "2001:db8::1"); both must be of one family.
    public init(source: String, sourcePort: UInt16, destination: String, destinationPort: UInt16) throws {
        guard let (f1, a1) = Self.parse(source), let (f2, a2) = Self.parse(destination), f1 == f2 else {
            throw FastPathError(.invalidArgument, "addresses \(source) and \(destination) are not IP addresses of one family")
        }
        family = f1
        sourceAddress = a1
        self.sourcePort = sourcePort
        destinationAddress = a2
        self.destinationPort = destinationPort
    }

    /// Creates a pair from raw address bytes.
    public init(family: Int32, sourceAddress: [UInt8], sourcePort: UInt16, destinationAddress: [UInt8], destinationPort: UInt16) {
        self.family = family
        self.sourceAddress = sourceAddress
        self.sourcePort = sourcePort
        self.destinationAddress = destinationAddress
        self.destinationPort = destinationPort
    }

    /// Reads a C `fp_endpoint_pair`.
    public init(_ c: fp_endpoint_pair) {
        var c = c
        family = Int32(c.family)
        let n = c.family == UInt8(AF_INET6) ? 16 : 4
        sourceAddress = withUnsafeBytes(of: &c.src_addr) { Array($0.prefix(n)) }
        destinationAddress = withUnsafeBytes(of: &c.dst_addr) { Array($0.prefix(n)) }
        sourcePort = UInt16(bigEndian: c.src_port)
        destinationPort = UInt16(bigEndian: c.dst_port)
    }

    /// The same path seen from the other end.
    public var reversed: FastPathEndpointPair {
        FastPathEndpointPair(family: family, sourceAddress: destinationAddress, sourcePort: destinationPort,
                             destinationAddress: sourceAddress, destinationPort: sourcePort)
    }

    /// The C struct.
    public var cValue: fp_endpoint_pair {
        var c = fp_endpoint_pair()
        c.family = UInt8(family)
        c.src_port = sourcePort.bigEndian
        c.dst_port = destinationPort.bigEndian
        withUnsafeMutableBytes(of: &c.src_addr) { $0.copyBytes(from: sourceAddress.prefix(16)) }
        withUnsafeMutableBytes(of: &c.dst_addr) { $0.copyBytes(from: destinationAddress.prefix(16)) }
        return c
    }

    static func parse(_ text: String) -> (Int32, [UInt8])? {
        var v4 = [UInt8](repeating: 0, count: 4)
        if inet_pton(AF_INET, text, &v4) == 1 { return (AF_INET, v4) }
        var v6 = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &v6) == 1 { return (AF_INET6, v6) }
        return nil
    }
}
