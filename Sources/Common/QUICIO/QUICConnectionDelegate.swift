import QUIC

/// Receives a connection's events synchronously on the endpoint's event loop, instead of the
/// async stream API. Protocol engines that are themselves sans-I/O state machines (the MoQT session,
/// the relay) use this to drive the QUIC core without a task hop per event: inside the callback
/// they may call any command on `core`; what it produces is sent when the callback returns.
public protocol QUICConnectionDelegate: AnyObject {
    /// One event of `connection`, in order. Called on `connection.eventLoop`.
    func connection(_ connection: QUICConnection, core: Connection, didReceive event: ConnectionEvent)
}
