import Wire

/// A capsule on a WebTransport session's CONNECT stream (RFC 9297 §3.2): type, length, value.
public enum WebTransportCapsule: Equatable, Sendable {
    public static let closeType: UInt64 = 0x2843
    public static let drainType: UInt64 = 0x78ae
    /// The longest close message allowed (bytes).
    public static let maxCloseMessage = 1024

    /// CLOSE_WEBTRANSPORT_SESSION: application error code and message.
    case close(code: UInt32, message: String)
    /// DRAIN_WEBTRANSPORT_SESSION: the peer should wind the session down.
    case drain
    /// Any other type (GREASE among them): ignored by the receiver.
    case unknown(type: UInt64, value: [UInt8])

    public func encode() -> [UInt8] {
        var w = ByteWriter()
        switch self {
        case .close(let code, let message):
            var m = Array(message.utf8)
            if m.count > Self.maxCloseMessage { m = Array(m.prefix(Self.maxCloseMessage)) }
            w.writeVarint(Self.closeType)
            w.writeVarint(UInt64(4 + m.count))
            w.writeUInt32(code)
            w.writeBytes(m)
        case .drain:
            w.writeVarint(Self.drainType)
            w.writeVarint(0)
        case .unknown(let type, let value):
            w.writeVarint(type)
            w.writeVarint(UInt64(value.count))
            w.writeBytes(value)
        }
        return w.bytes
    }
}

/// Reads capsules from the CONNECT stream's data as it arrives. A capsule longer than
/// `maxCapsule` bytes is H3_EXCESSIVE_LOAD; a malformed CLOSE (under 4 bytes, message over 1024
/// bytes or not UTF-8) is H3_MESSAGE_ERROR.
public struct CapsuleReader: Sendable {
    public var maxCapsule: Int
    private var buffer: [UInt8] = []

    public init(maxCapsule: Int = 4096) { self.maxCapsule = maxCapsule }

    /// True when no capsule is partly read.
    public var isAtBoundary: Bool { buffer.isEmpty }

    public mutating func append(_ bytes: [UInt8]) { buffer.append(contentsOf: bytes) }

    public mutating func next() throws(HTTP3Error) -> WebTransportCapsule? {
        var r = ByteReader(buffer)
        let type: UInt64, length: UInt64
        do {
            type = try r.readVarint()
            length = try r.readVarint()
        } catch {
            return nil
        }
        guard length <= UInt64(maxCapsule) else { throw HTTP3Error(.excessiveLoad, "capsule of \(length) bytes") }
        guard r.remaining >= Int(length) else { return nil }
        let value = Array(buffer[r.offset..<(r.offset + Int(length))])
        buffer.removeFirst(r.offset + Int(length))
        switch type {
        case WebTransportCapsule.closeType:
            guard value.count >= 4, value.count - 4 <= WebTransportCapsule.maxCloseMessage else {
                throw HTTP3Error(.messageError, "CLOSE_WEBTRANSPORT_SESSION of \(value.count) bytes")
            }
            let code = UInt32(value[0]) << 24 | UInt32(value[1]) << 16 | UInt32(value[2]) << 8 | UInt32(value[3])
            guard let message = String(validating: value[4...], as: UTF8.self) else {
                throw HTTP3Error(.messageError, "CLOSE_WEBTRANSPORT_SESSION message not UTF-8")
            }
            return .close(code: code, message: message)
        case WebTransportCapsule.drainType:
            return .drain
        default:
            return .unknown(type: type, value: value)
        }
    }
}
