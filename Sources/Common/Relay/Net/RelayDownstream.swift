import MoQT
import MoQTNet

/// One subscription of a downstream session to a relayed track: its join plan, the subgroup
/// streams the relay opened for it, and what waits for its queue to drain.
final class RelayDownstream {
    let connection: MoQTConnection
    let requestID: UInt64
    let filter: SubscriptionFilter?
    /// SUBSCRIBER_PRIORITY (128 when absent; REQUEST_UPDATE may change it).
    var subscriberPriority: UInt8
    /// The group order asked for (ascending when absent).
    let groupOrder: GroupOrder
    /// The track (set when the subscription is accepted or parked).
    var track: RelayTrack?
    /// The track alias in the subscriber's session (set when delivery starts).
    var alias: UInt64 = 0
    /// FORWARD: false while the subscriber wants no objects (SUBSCRIBE or REQUEST_UPDATE with
    /// FORWARD 0); nothing is queued for it then.
    var forwarding = true
    /// The splice of cache replay and live objects (set when the subscription is accepted).
    var plan: JoinPlan?
    /// Open downstream subgroup streams, by upstream subgroup.
    var streams: [RelaySubgroupKey: UInt64] = [:]
    /// Subgroups that ended upstream (value: the reset code, nil for FIN), ended here once the
    /// subscriber's queue holds none of their objects.
    var endPending: [RelaySubgroupKey: UInt64?] = [:]
    /// Set when the track ended upstream: PUBLISH_DONE goes out once the queue is drained.
    var finishing: (code: PublishDoneCode, reason: String)?
    /// Set once a write failed: the subscription is dropped.
    var failed = false

    /// What the forwarding plane orders this subscription's objects by.
    var subscriptionContext: SubscriptionContext {
        SubscriptionContext(id: requestID, trackAlias: alias, subscriberPriority: subscriberPriority, groupOrder: groupOrder)
    }

    init(connection: MoQTConnection, requestID: UInt64, filter: SubscriptionFilter?, subscriberPriority: UInt8 = 128,
         groupOrder: GroupOrder = .ascending) {
        self.connection = connection
        self.requestID = requestID
        self.filter = filter
        self.subscriberPriority = subscriberPriority
        self.groupOrder = groupOrder
    }
}
