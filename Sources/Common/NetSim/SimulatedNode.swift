import QUIC

/// Anything the simulator can drive: a sans-I/O endpoint with datagrams in and out and a timer.
public protocol SimulatedNode: AnyObject {
    /// A datagram arrived.
    func receive(datagram: [UInt8], from source: QUICPeerAddress, now: QUICTime)
    /// The next datagram to send, with its destination.
    func pollTransmit(now: QUICTime) -> OutgoingDatagram?
    /// When the node's timer fires next.
    var nextTimeout: QUICTime? { get }
    /// The timer fired.
    func handleTimeout(now: QUICTime)
}

extension Endpoint: SimulatedNode {
    public func receive(datagram: [UInt8], from source: QUICPeerAddress, now: QUICTime) {
        handle(datagram: datagram, from: source, now: now)
    }
}
