/// Settings of an endpoint.
public struct EndpointConfiguration: Sendable {
    /// Settings of the connections it creates (and default for `connect`).
    public var connection = ConnectionConfiguration()
    /// Accept incoming connections (server role).
    public var acceptsIncoming = false
    /// Validate client addresses with a Retry round trip before creating connections.
    public var requiresRetry = false
    /// Key for Retry tokens; random when nil.
    public var tokenKey: [UInt8]?

    public init() {}
}
