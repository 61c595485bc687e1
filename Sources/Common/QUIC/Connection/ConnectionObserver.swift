/// Watches a connection's internals that the kernel fast path mirrors (congestion state, flow-control
/// credit, connection IDs, paths, external streams).
///
/// Every method is called synchronously from inside the connection (on the event loop in QUICIO),
/// after the state changed, and has an empty default implementation: implement only what you need.
/// Observers must not call back into the connection's inputs (`handle`, `handleTimeout`,
/// `pollTransmit`) from these methods; reading getters and issuing commands is fine.
package protocol ConnectionObserver: AnyObject {
    /// The congestion window or the bytes in flight changed (after ACKs, losses, sends, registrations).
    func connectionCongestionChanged(_ c: Connection, congestionWindow: Int, bytesInFlight: Int)
    /// The peer raised the connection-level limit (MAX_DATA, or its transport parameters).
    func connectionPeerMaxDataChanged(_ c: Connection, maxData: UInt64)
    /// The peer raised a stream's limit (MAX_STREAM_DATA), for streams we send on.
    func connectionPeerMaxStreamDataChanged(_ c: Connection, streamID: UInt64, maxStreamData: UInt64)
    /// The peer raised how many streams we may open (MAX_STREAMS, or its transport parameters).
    func connectionPeerMaxStreamsChanged(_ c: Connection, bidirectional: Bool, maxStreams: UInt64)
    /// We issued a connection ID (the peer may send to it from now on).
    func connectionIssuedLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID, sequence: UInt64)
    /// The peer retired one of our connection IDs (packets to it are no longer ours).
    func connectionRetiredLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID)
    /// The destination connection ID we send with changed.
    func connectionPeerConnectionIDChanged(_ c: Connection, _ cid: QUICConnectionID)
    /// The peer's new address answered our PATH_CHALLENGE.
    func connectionPathValidated(_ c: Connection, _ address: QUICPeerAddress)
    /// Every byte of an external stream through its final size was acknowledged, or its reset was:
    /// its owner may forget it.
    func connectionExternalStreamCompleted(_ c: Connection, streamID: UInt64)
}

extension ConnectionObserver {
    package func connectionCongestionChanged(_ c: Connection, congestionWindow: Int, bytesInFlight: Int) {}
    package func connectionPeerMaxDataChanged(_ c: Connection, maxData: UInt64) {}
    package func connectionPeerMaxStreamDataChanged(_ c: Connection, streamID: UInt64, maxStreamData: UInt64) {}
    package func connectionPeerMaxStreamsChanged(_ c: Connection, bidirectional: Bool, maxStreams: UInt64) {}
    package func connectionIssuedLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID, sequence: UInt64) {}
    package func connectionRetiredLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID) {}
    package func connectionPeerConnectionIDChanged(_ c: Connection, _ cid: QUICConnectionID) {}
    package func connectionPathValidated(_ c: Connection, _ address: QUICPeerAddress) {}
    package func connectionExternalStreamCompleted(_ c: Connection, streamID: UInt64) {}
}
