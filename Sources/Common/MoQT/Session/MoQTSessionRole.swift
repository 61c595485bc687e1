/// Which end of the QUIC connection a session is: it decides request ID parity (client even,
/// server odd) and which SETUP options are sent.
public enum MoQTSessionRole: Hashable, Sendable {
    /// The endpoint that opened the connection.
    case client
    /// The endpoint that accepted it.
    case server
}
