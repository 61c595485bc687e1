import Wire

extension Draft18 {
    /// Any draft-18 QUIC datagram payload: an object or padding (§11.3, §11.5.2).
    public enum Datagram: Hashable, Sendable {
        /// Padding datagram type.
        public static let paddingType: UInt64 = 0x132B3E29

        /// An object.
        case object(ObjectDatagram)
        /// Padding of this many bytes after the type (to be discarded).
        case padding(Int)

        /// Parses a datagram; an unknown type is PROTOCOL_VIOLATION.
        public static func decode(_ bytes: [UInt8]) throws -> Datagram {
            var r = ByteReader(bytes)
            guard let type = try? r.readVI64() else { throw MoQTError.protocolViolation("empty or truncated datagram type") }
            if type == paddingType { return .padding(r.remaining) }
            return .object(try ObjectDatagram.decode(bytes))
        }

        /// The encoded datagram (padding is zero bytes).
        public func encoded() -> [UInt8] {
            switch self {
            case .object(let o): return o.encoded()
            case .padding(let n):
                var w = ByteWriter()
                w.writeVI64(Self.paddingType)
                w.writeBytes([UInt8](repeating: 0, count: n))
                return w.bytes
            }
        }
    }
}
