import MoQT
import MoQTNet
import NIOCore

/// One downstream session that has subscriptions: its queue in the forwarding plane (by `id`),
/// the congestion estimate of its connection, and the timers that feed the queue into it.
final class RelaySubscriberSession {
    /// The subscriber's ID in the forwarding plane.
    let id: UInt64
    let connection: MoQTConnection
    /// Accepted subscriptions, by request ID.
    var downstreams: [UInt64: RelayDownstream] = [:]
    var congestion: SubscriberCongestion
    /// A pump is scheduled for this loop turn.
    var pumpRequested = false
    /// The retry timer while the queue holds objects.
    var timer: Scheduled<Void>?
    /// Streams opened only to carry a drop's reset (the subscriber learns of the drop only if it
    /// saw the stream's header): reset once their header left, or after a while.
    var pendingResets: [(stream: UInt64, code: StreamResetCode, since: RelayTime)] = []
    /// The age of the oldest queued object at the last pump, in seconds.
    var queueDelay: Double = 0
    /// Whether it stays too far behind (`RelayServer.slowSubscriberTimeout`).
    var slow = SlowSubscriberDetector()

    init(id: UInt64, connection: MoQTConnection, congestion: SubscriberCongestion.Configuration) {
        self.id = id
        self.connection = connection
        self.congestion = SubscriberCongestion(configuration: congestion)
    }
}
