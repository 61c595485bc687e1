import MoQT
import MoQTNet

/// One subscription of a downstream session to a relayed track: its join plan and the subgroup
/// streams the relay opened for it.
final class RelayDownstream {
    let connection: MoQTConnection
    let requestID: UInt64
    let filter: SubscriptionFilter?
    /// The splice of cache replay and live objects (set when the subscription is accepted).
    var plan: JoinPlan?
    /// Open downstream subgroup streams, by upstream subgroup.
    var streams: [RelaySubgroupKey: UInt64] = [:]
    /// True while the join replay is staged: the first object went out alone and the rest waits
    /// until it has left (live objects are queued in the plan meanwhile).
    var replayStaged = false
    /// Whether the joiner's first object went out.
    var firstSent = false
    /// Live objects that arrived during a staged join after the plan went live, in order.
    var held: [RelayObject] = []
    /// Set once a write failed: the subscription is dropped.
    var failed = false

    init(connection: MoQTConnection, requestID: UInt64, filter: SubscriptionFilter?) {
        self.connection = connection
        self.requestID = requestID
        self.filter = filter
    }
}
