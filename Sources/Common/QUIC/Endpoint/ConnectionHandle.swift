/// Names a connection within an `Endpoint`.
public struct ConnectionHandle: Hashable, Sendable, CustomStringConvertible {
    /// A number unique within the endpoint.
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public var description: String { "#\(rawValue)" }
}
