/// Read access to the state the kernel fast path mirrors, and the observer notifications.
extension Connection {
    /// Connection-level bytes counted against the peer's MAX_DATA (new stream bytes sent by us, by
    /// the kernel and registered, or queued by `sendExternalStreamData`).
    package var peerDataSent: UInt64 { sentData }

    /// Our connection IDs still active, by sequence number (0 = the one of the handshake).
    package var localConnectionIDs: [UInt64: QUICConnectionID] { activeLocalConnectionIDs }

    /// Tells the observer about the congestion window and bytes in flight when either changed since
    /// the last report. Called at the end of every input, output and registration.
    package func reportCongestionIfChanged() {
        guard let observer else { return }
        let window = recovery.congestion.congestionWindow
        let inFlight = recovery.bytesInFlight
        guard window != reportedCongestion.window || inFlight != reportedCongestion.bytesInFlight else { return }
        reportedCongestion = (window, inFlight)
        observer.connectionCongestionChanged(self, congestionWindow: window, bytesInFlight: inFlight)
    }
}
