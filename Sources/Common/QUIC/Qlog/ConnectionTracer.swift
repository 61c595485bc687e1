/// Observes one connection's packets and recovery state, for logs such as qlog. Every method is
/// called synchronously from the connection (on its event loop); implementations must be cheap
/// and must not call back into the connection.
package protocol ConnectionTracer: AnyObject {
    /// A packet was protected and handed to the socket.
    func packetSent(_ packet: SentPacket, now: QUICTime)
    /// A packet was decrypted and its frames decoded (before they are acted on).
    func packetReceived(space: PacketNumberSpace, packetNumber: UInt64, size: Int, frames: [Frame], now: QUICTime)
    /// A packet could not be processed (no keys, failed decryption, duplicate, unparseable).
    func packetDropped(size: Int, now: QUICTime)
    /// Loss detection declared these packets lost.
    func packetsLost(_ packets: [SentPacket], now: QUICTime)
    /// RTT estimates, congestion window or bytes in flight may have changed.
    func metricsUpdated(_ recovery: LossRecovery, now: QUICTime)
    /// The connection emitted an application event (handshake completed, closed, ...).
    func connectionEvent(_ event: ConnectionEvent)
}

extension Connection {
    /// Makes the tracer of every connection created from now on (nil: no tracing). Set it once at
    /// start-up, before any endpoint exists; it is read on the event loops that create connections.
    package nonisolated(unsafe) static var tracerFactory: ((Connection, QUICTime) -> ConnectionTracer?)?
}
