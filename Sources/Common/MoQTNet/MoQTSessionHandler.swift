import MoQT

/// The application side of a MoQT session: receives its events synchronously on the QUIC
/// connection's event loop, where it may call any command on `connection.session`.
public protocol MoQTSessionHandler: AnyObject {
    /// One session event, in order.
    func moqtConnection(_ connection: MoQTConnection, didReceive event: MoQTSessionEvent)
}
