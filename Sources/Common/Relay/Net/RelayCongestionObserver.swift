import QUIC

/// Watches a subscriber connection's congestion state: when bytes in flight fall (ACKs, losses),
/// the relay feeds that subscriber's queue again at once instead of waiting for its timer.
final class RelayCongestionObserver: ConnectionObserver {
    private var lastInFlight = Int.max
    private let onRoom: () -> Void

    /// An observer calling `onRoom` (on the connection's event loop, inside the connection: it must
    /// only schedule work) whenever bytes in flight decreased.
    init(onRoom: @escaping () -> Void) { self.onRoom = onRoom }

    func connectionCongestionChanged(_ c: Connection, congestionWindow: Int, bytesInFlight: Int) {
        defer { lastInFlight = bytesInFlight }
        if bytesInFlight < lastInFlight { onRoom() }
    }
}
