/// A QUIC connection ID: 0 to 20 opaque bytes (RFC 9000 §5.1).
public struct QUICConnectionID: Hashable, Sendable, CustomStringConvertible {
    /// The longest connection ID QUIC v1 allows.
    public static let maxLength = 20
    /// The bytes.
    public let bytes: [UInt8]

    /// A connection ID, or nil when longer than 20 bytes.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count <= Self.maxLength else { return nil }
        self.bytes = bytes
    }

    /// The empty connection ID.
    public static let empty = QUICConnectionID(unchecked: [])

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// A random connection ID of `length` bytes.
    public static func random<G: RandomNumberGenerator>(length: Int, using rng: inout G) -> QUICConnectionID {
        QUICConnectionID(unchecked: (0..<min(length, maxLength)).map { _ in UInt8.random(in: 0...255, using: &rng) })
    }

    /// Number of bytes.
    public var count: Int { bytes.count }

    public var description: String { bytes.map { String($0, radix: 16).leftPadded(2) }.joined() }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
