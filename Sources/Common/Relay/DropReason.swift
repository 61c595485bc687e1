import MoQT

/// Why a subscriber queue dropped objects. To the subscriber every one of them is a gap "dropped
/// by priority"; the reasons are kept apart for the relay's statistics.
public enum DropReason: String, Hashable, Sendable, CaseIterable, Codable {
    /// The queue held more bytes than its budget (`maxBytes`).
    case queueBytes = "queue_bytes"
    /// The oldest queued object waited longer than the maximum queue delay.
    case queueDelay = "queue_delay"
    /// The congestion budget passed in by the transport was smaller than the queue.
    case congestion = "congestion"
    /// The object belongs to a group so far behind the subscriber's current group that the queue
    /// no longer keeps state for it.
    case stale = "stale"

    /// The RESET_STREAM code the relay sends for a stream dropped for this reason: DELIVERY_TIMEOUT
    /// for a delay, TOO_FAR_BEHIND otherwise. A subscriber treats both as "dropped by priority".
    public var resetCode: StreamResetCode {
        switch self {
        case .queueDelay: return .deliveryTimeout
        case .queueBytes, .congestion, .stale: return .tooFarBehind
        }
    }
}
