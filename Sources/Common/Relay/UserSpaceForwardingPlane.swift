import MoQT

/// The user-space forwarding plane: one `SubscriberQueue` per subscriber, which the session
/// polls with its current send window.
public struct UserSpaceForwardingPlane: ForwardingPlane, Sendable {
    /// Bounds given to every new subscriber queue.
    public var queueConfiguration: SubscriberQueue.Configuration
    private var queues: [UInt64: SubscriberQueue] = [:]
    private var subscriptionByTrack: [UInt64: [FullTrackName: UInt64]] = [:]

    /// A plane whose subscriber queues use `queueConfiguration`.
    public init(queueConfiguration: SubscriberQueue.Configuration = SubscriberQueue.Configuration()) {
        self.queueConfiguration = queueConfiguration
    }

    /// Subscribers with at least one attached track.
    public var subscriberIDs: [UInt64] { Array(queues.keys) }

    /// Attaches `track` for `subscriber`, creating its queue on first use.
    public mutating func attach(subscriber: UInt64, track: FullTrackName, subscription: SubscriptionContext) {
        queues[subscriber, default: SubscriberQueue(configuration: queueConfiguration)].addSubscription(subscription)
        subscriptionByTrack[subscriber, default: [:]][track] = subscription.id
    }

    /// Queues `object` for `subscriber`.
    public mutating func forward(_ object: RelayObject, track: FullTrackName, to subscriber: UInt64, now: RelayTime) -> ForwardOutcome {
        guard let sid = subscriptionByTrack[subscriber]?[track], queues[subscriber] != nil else { return .notAttached }
        switch queues[subscriber]!.enqueue(object, subscription: sid, now: now) {
        case .queued: return .queued
        case .dropped(let r): return .dropped(r)
        case .unknownSubscription: return .notAttached
        }
    }

    /// Detaches one track (or all) of `subscriber`; its queue goes with its last track.
    public mutating func detach(subscriber: UInt64, track: FullTrackName?) {
        guard var tracks = subscriptionByTrack[subscriber] else { return }
        let removed = track.map { t in tracks[t].map { [$0] } ?? [] } ?? Array(tracks.values)
        for sid in removed { queues[subscriber]?.removeSubscription(sid) }
        if let t = track { tracks[t] = nil } else { tracks = [:] }
        if tracks.isEmpty {
            subscriptionByTrack[subscriber] = nil
            queues[subscriber] = nil
        } else {
            subscriptionByTrack[subscriber] = tracks
        }
    }

    /// What `subscriber`'s queue releases at `now` within `window` bytes (see `SubscriberQueue.poll`).
    public mutating func poll(subscriber: UInt64, now: RelayTime, window: Int = Int.max) -> QueueOutput {
        queues[subscriber]?.poll(now: now, window: window) ?? QueueOutput()
    }

    /// Passes a congestion budget to `subscriber`'s queue.
    public mutating func setCongestionBudget(_ bytes: Int?, for subscriber: UInt64) {
        queues[subscriber]?.setCongestionBudget(bytes)
    }

    /// `subscriber`'s queue, for inspection.
    public func queue(for subscriber: UInt64) -> SubscriberQueue? { queues[subscriber] }
}
