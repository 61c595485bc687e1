/// Settings of an endpoint.
public struct EndpointConfiguration: Sendable {
    /// Settings of the connections it creates (and default for `connect`).
    public var connection = ConnectionConfiguration()
    /// Accept incoming connections (server role).
    public var acceptsIncoming = false
    /// Validate client addresses with a Retry round trip before creating connections.
    public var requiresRetry = false
    /// With `requiresRetry` off: validate with Retry only while at least this many connections are
    /// half open (handshake not complete), so an Initial flood from spoofed addresses meets Retry
    /// instead of connection state (RFC 9000 §8.1.2). Nil never does.
    public var retryAboveHalfOpen: Int? = 128
    /// Most server connections from one IP address at once; a client beyond it is refused with
    /// CONNECTION_REFUSED (RFC 9000 §20.1) and leaves no state. Nil: no limit.
    public var maxConnectionsPerAddress: Int?
    /// Key for Retry tokens; random when nil.
    public var tokenKey: [UInt8]?

    public init() {}
}
