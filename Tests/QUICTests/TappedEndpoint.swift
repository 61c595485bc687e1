import NetSim
import QUIC

/// Stands in the simulator for an endpoint: records every datagram it sends, and lets a test send
/// datagrams "from" it (a foreign sender sharing its address, like the kernel fast path does).
final class TappedEndpoint: SimulatedNode {
    let endpoint: Endpoint
    /// Every datagram the endpoint sent, in order.
    private(set) var sent: [[UInt8]] = []
    /// Datagrams queued by the test, sent before the endpoint's own.
    private var injected: [OutgoingDatagram] = []
    /// Datagrams injected so far.
    private(set) var injectedCount = 0

    init(_ endpoint: Endpoint) { self.endpoint = endpoint }

    /// Queues a datagram to go out on the link as if the endpoint sent it.
    func inject(_ bytes: [UInt8], to destination: QUICPeerAddress) {
        injected.append(OutgoingDatagram(bytes: bytes, destination: destination))
        injectedCount += 1
    }

    func receive(datagram: [UInt8], from source: QUICPeerAddress, now: QUICTime) {
        endpoint.handle(datagram: datagram, from: source, now: now)
    }

    func pollTransmit(now: QUICTime) -> OutgoingDatagram? {
        if !injected.isEmpty { return injected.removeFirst() }
        guard let out = endpoint.pollTransmit(now: now) else { return nil }
        sent.append(out.bytes)
        return out
    }

    var nextTimeout: QUICTime? { endpoint.nextTimeout }

    func handleTimeout(now: QUICTime) { endpoint.handleTimeout(now: now) }

    /// Installs a tap in place of the client endpoint of `pair`.
    static func tapClient(of pair: SimulatedPair) -> TappedEndpoint {
        let tap = TappedEndpoint(pair.client)
        pair.simulator.add(tap, at: pair.clientAddress)
        return tap
    }
}
