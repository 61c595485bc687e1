/// The state of one subscriber's connection that the relay's send pacing and drop policy look
/// at: read from the QUIC connection each time the relay feeds the subscriber's queue.
public struct TransportSnapshot: Hashable, Sendable {
    /// The congestion window in bytes.
    public var congestionWindow: Int
    /// Bytes sent and not yet acknowledged or declared lost.
    public var bytesInFlight: Int
    /// The smoothed round-trip time in nanoseconds (0 when there is no sample yet).
    public var smoothedRTTNanoseconds: UInt64
    /// Bytes handed to the connection that are not acknowledged yet (in flight or waiting to be
    /// sent), plus what the MoQT session still holds back: everything the relay can no longer drop.
    public var unacknowledgedBytes: Int
    /// True when data waits for flow-control credit (MAX_DATA or MAX_STREAM_DATA) from the peer.
    public var flowControlBlocked: Bool

    /// A snapshot from its parts.
    public init(congestionWindow: Int, bytesInFlight: Int, smoothedRTTNanoseconds: UInt64, unacknowledgedBytes: Int,
                flowControlBlocked: Bool) {
        self.congestionWindow = congestionWindow
        self.bytesInFlight = bytesInFlight
        self.smoothedRTTNanoseconds = smoothedRTTNanoseconds
        self.unacknowledgedBytes = unacknowledgedBytes
        self.flowControlBlocked = flowControlBlocked
    }
}
