/// A congestion controller (RFC 9002 §7). Loss recovery tells it about sent, acknowledged and
/// lost packets; it answers with a window: NewReno or CUBIC (`ConnectionConfiguration.congestionControl`).
public protocol CongestionController: AnyObject {
    /// Bytes that may be in flight.
    var congestionWindow: Int { get }
    /// A packet that counts towards bytes in flight was sent.
    func onPacketSent(sentBytes: Int, now: QUICTime)
    /// An in-flight packet was acknowledged.
    func onPacketAcked(sentBytes: Int, timeSent: QUICTime, now: QUICTime, rtt: RTTEstimator, appLimited: Bool)
    /// Packets were declared lost; `timeSent` is when the newest of them was sent (RFC 9002 §B.6).
    func onCongestionEvent(timeSent: QUICTime, now: QUICTime)
    /// Persistent congestion was established (RFC 9002 §7.6).
    func onPersistentCongestion(now: QUICTime)
}

extension CongestionController {
    /// kInitialWindow (RFC 9002 §7.2): min(10 * max_datagram_size, max(14720, 2 * max_datagram_size)).
    static func initialWindow(maxDatagramSize: Int) -> Int {
        min(10 * maxDatagramSize, max(14720, 2 * maxDatagramSize))
    }
}
