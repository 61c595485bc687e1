/// What an endpoint reports besides its connections' own events.
public enum EndpointEvent: Equatable, Sendable {
    /// A client's Initial created a new server connection.
    case incomingConnection(ConnectionHandle)
    /// A connection finished closing and was forgotten by the endpoint.
    case connectionRemoved(ConnectionHandle)
}
