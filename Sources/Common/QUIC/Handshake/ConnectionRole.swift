/// Which end of a connection we are.
public enum ConnectionRole: Sendable, Equatable {
    case client
    case server

    /// The other role.
    public var peer: ConnectionRole { self == .client ? .server : .client }
}
