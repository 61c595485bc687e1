import MoQT

/// One subscriber's send queue: objects of all its subscriptions, released in the draft's
/// priority order and bounded by bytes and by age.
///
/// Send order (draft-18 §7): lower subscriber priority value first, then lower publisher priority
/// value, then groups in the subscription's group order, then ascending object ID.
///
/// When the subscriber cannot keep up — the queue holds more than `maxBytes`, more than the
/// congestion budget the transport passed in (`setCongestionBudget(_:)`), or its oldest object
/// has waited longer than `maxDelay` — the queue drops the least important data first:
///
/// 1. Streams whose publisher priority is larger than their group's most important value (in the
///    media mapping B, then P): the one that would be sent last goes first — the largest
///    subscriber priority value, then the largest publisher priority value, then the group sent
///    last (the newest for ascending order), i.e. B then P of the current group. A dropped stream
///    stays dropped, and later objects of that group with an even larger value are dropped on
///    arrival.
/// 2. The group's most important objects (I) only when the subscriber is a whole group behind
///    (the group is older than the newest queued group of its subscription): that whole group is
///    skipped, oldest first, and delivery resumes with the next group.
/// 3. The current group's most important objects only past the hard bound (`hardMaxBytes`) or when
///    they themselves exceed the delay: the current group is skipped too.
///
/// Under the delay bound only streams holding an object older than `maxDelay` are candidates.
/// Every dropped subgroup yields one `StreamReset` (the session sends RESET_STREAM, and the
/// subscriber attributes the gap "dropped by priority"). The queue never exceeds `hardMaxBytes`
/// plus one object.
///
/// Inputs: `addSubscription(_:)`, `enqueue(_:subscription:now:)`, `setCongestionBudget(_:)`;
/// output: `poll(now:window:)`. Time is always a parameter.
public struct SubscriberQueue: Sendable {
    /// The queue's bounds.
    public struct Configuration: Hashable, Sendable {
        /// The byte budget: above it the queue drops by priority.
        public var maxBytes: Int
        /// The hard bound: above it even the current group's most important objects go.
        public var hardMaxBytes: Int
        /// The longest an object may wait in the queue, in seconds.
        public var maxDelay: Double
        /// How many groups behind the current one the queue keeps drop state for; objects of
        /// older groups are dropped as stale.
        public var retainedGroups: Int

        /// Bounds: 2 MiB budget, hard bound twice the budget, 2 s delay, 8 groups of state.
        public init(maxBytes: Int = 2 << 20, hardMaxBytes: Int? = nil, maxDelay: Double = 2, retainedGroups: Int = 8) {
            self.maxBytes = maxBytes
            self.hardMaxBytes = max(hardMaxBytes ?? maxBytes * 2, maxBytes)
            self.maxDelay = maxDelay
            self.retainedGroups = max(retainedGroups, 1)
        }
    }

    /// What `enqueue(_:subscription:now:)` did with an object.
    public enum EnqueueResult: Hashable, Sendable {
        /// Queued (it may still be dropped later).
        case queued
        /// Dropped at once (its stream or group was already dropped, or it is stale).
        case dropped(DropReason)
        /// No such subscription.
        case unknownSubscription
    }

    /// The bounds.
    public let configuration: Configuration
    /// Running totals.
    public private(set) var counters = QueueCounters()
    /// Bytes queued.
    public private(set) var queuedBytes = 0

    private var subscriptions: [UInt64: SubscriptionQueueState] = [:]
    /// Queued objects in send order.
    private var entries: [QueueEntry] = []
    private var sequence: UInt64 = 0
    private var congestionBudget: Int?
    private var pending = QueueOutput()
    /// Sequence numbers and enqueue times in enqueue order; entries no longer queued are skipped
    /// lazily (`queuedSequences`), so the oldest queued time is found in amortised O(1).
    private var arrivals: [(sequence: UInt64, time: RelayTime)] = []
    private var arrivalsHead = 0
    private var queuedSequences = Set<UInt64>()
    /// Queued objects per drop unit (subgroup stream or datagram).
    private var unitCounts: [DropUnit: Int] = [:]

    /// An empty queue.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    // MARK: - Getters

    /// Objects queued.
    public var queuedCount: Int { entries.count }
    /// The byte bound in force: `maxBytes`, or the congestion budget when smaller.
    public var effectiveBudget: Int { min(configuration.maxBytes, congestionBudget ?? Int.max) }
    /// When the oldest queued object entered the queue (times are assumed not to go backwards).
    public var oldestEnqueueTime: RelayTime? {
        var i = arrivalsHead
        while i < arrivals.count {
            if queuedSequences.contains(arrivals[i].sequence) { return arrivals[i].time }
            i += 1
        }
        return nil
    }
    /// The queued objects in send order (for inspection).
    public var queuedObjects: [RelayObject] { entries.map(\.object) }
    /// The subscriptions the queue serves.
    public var subscriptionIDs: [UInt64] { Array(subscriptions.keys) }
    /// True while objects of subgroup `subgroup` of `group` are queued for `subscription`.
    public func holds(subscription: UInt64, group: UInt64, subgroup: UInt64) -> Bool {
        unitCounts[DropUnit(subscription: subscription, group: group, subgroup: subgroup, datagramObject: nil)] != nil
    }
    /// True while objects are queued for `subscription`.
    public func holds(subscription: UInt64) -> Bool { unitCounts.keys.contains { $0.subscription == subscription } }

    // MARK: - Commands

    /// Adds a subscription, or updates its priority and group order (objects already queued keep
    /// their place).
    public mutating func addSubscription(_ context: SubscriptionContext) {
        if subscriptions[context.id] != nil {
            subscriptions[context.id]!.context = context
        } else {
            subscriptions[context.id] = SubscriptionQueueState(context: context)
        }
    }

    /// Removes a subscription and discards its queued objects (the session cancels its streams).
    public mutating func removeSubscription(_ id: UInt64) {
        subscriptions[id] = nil
        entries.removeAll { e in
            guard e.subscription == id else { return false }
            queuedBytes -= e.object.byteCount
            queuedSequences.remove(e.sequence)
            return true
        }
        unitCounts = unitCounts.filter { $0.key.subscription != id }
    }

    /// Sets the congestion budget: how many bytes this subscriber can absorb now (e.g. from its
    /// congestion window and RTT, or the fast path's send budget). nil removes it.
    public mutating func setCongestionBudget(_ bytes: Int?) { congestionBudget = bytes.map { max($0, 0) } }

    /// Queues an object for a subscription at `now`, then enforces the bounds.
    @discardableResult
    public mutating func enqueue(_ object: RelayObject, subscription id: UInt64, now: RelayTime) -> EnqueueResult {
        guard var sub = subscriptions[id] else { return .unknownSubscription }
        let g = object.group
        if g < sub.floorGroup(retained: configuration.retainedGroups), sub.groups[g] == nil {
            record(drop: object, subscription: id, reason: .stale)
            return .dropped(.stale)
        }
        sub.currentGroup = max(sub.currentGroup ?? g, g)
        var state = sub.groups[g] ?? GroupDropState(anchorPriority: object.publisherPriority)
        state.anchorPriority = min(state.anchorPriority, object.publisherPriority)

        var dropReason: DropReason?
        if let r = state.skipped {
            dropReason = r
        } else if let sg = object.subgroup, let r = state.droppedSubgroups[sg] {
            dropReason = r
        } else if let level = state.dropAbove, object.publisherPriority > level {
            dropReason = state.dropAboveReason
        }
        if let r = dropReason {
            if let sg = object.subgroup, state.droppedSubgroups[sg] == nil {
                state.droppedSubgroups[sg] = r
                emitReset(subscription: id, group: g, subgroup: sg, reason: r,
                          opened: state.openedSubgroups.contains(sg), groupSkipped: state.skipped != nil)
            }
            sub.groups[g] = state
            subscriptions[id] = sub
            record(drop: object, subscription: id, reason: r)
            return .dropped(r)
        }
        sub.groups[g] = state
        let entries = self.entries
        sub.prune(retained: configuration.retainedGroups) { group in entries.contains { $0.subscription == id && $0.object.group == group } }
        subscriptions[id] = sub

        sequence &+= 1
        let entry = QueueEntry(subscription: id, object: object, enqueuedAt: now,
                               subscriberPriority: sub.context.subscriberPriority,
                               groupRank: sub.context.groupOrder == .ascending ? g : ~g, sequence: sequence)
        self.entries.insert(entry, at: insertionIndex(for: entry))
        arrivals.append((sequence, now))
        queuedSequences.insert(sequence)
        queuedBytes += object.byteCount
        unitCounts[entry.unit, default: 0] += 1
        counters.enqueued += 1
        enforceBounds(now: now)
        return .queued
    }

    /// Enforces the bounds at `now`, then releases objects in send order while they fit in
    /// `window` bytes (what the transport can take now; the first object always goes when the
    /// window is positive). Returns the sends plus every reset and drop decided since the last poll.
    public mutating func poll(now: RelayTime, window: Int = Int.max) -> QueueOutput {
        enforceBounds(now: now)
        var remaining = window
        var taken = 0
        while taken < entries.count, remaining > 0 {
            let size = entries[taken].object.byteCount
            if size > remaining, taken > 0 { break }
            remaining -= size
            taken += 1
        }
        for e in entries.prefix(taken) {
            queuedBytes -= e.object.byteCount
            queuedSequences.remove(e.sequence)
            uncount(e.unit)
            var opens = false
            if let sg = e.object.subgroup {
                opens = subscriptions[e.subscription]?.groups[e.object.group]?.openedSubgroups.insert(sg).inserted ?? false
            }
            pending.sends.append(OutgoingObject(subscription: e.subscription, object: e.object, opensStream: opens, enqueuedAt: e.enqueuedAt))
            counters.sent += 1
            counters.sentBytes += e.object.byteCount
        }
        entries.removeFirst(taken)
        defer { pending = QueueOutput() }
        return pending
    }

    // MARK: - Dropping

    /// Which bound is exceeded at `now`, if any (delay first: it names the stalest data).
    private func exceededBound(now: RelayTime) -> DropReason? {
        if let oldest = oldestEnqueueTime, now.seconds(since: oldest) > configuration.maxDelay { return .queueDelay }
        if queuedBytes > configuration.maxBytes { return .queueBytes }
        if let c = congestionBudget, queuedBytes > c { return .congestion }
        return nil
    }

    private mutating func enforceBounds(now: RelayTime) {
        compactArrivals()
        while let reason = exceededBound(now: now) {
            guard dropOne(reason: reason, now: now) else { break }
        }
        counters.peakBytes = max(counters.peakBytes, queuedBytes)
    }

    /// Forgets arrival records of objects no longer queued at the front of the list.
    private mutating func compactArrivals() {
        while arrivalsHead < arrivals.count, !queuedSequences.contains(arrivals[arrivalsHead].sequence) { arrivalsHead += 1 }
        if arrivalsHead > 1024, arrivalsHead * 2 > arrivals.count {
            arrivals.removeFirst(arrivalsHead)
            arrivalsHead = 0
        }
    }

    /// Drops one stream, datagram or group per the policy; false when the policy allows nothing.
    private mutating func dropOne(reason: DropReason, now: RelayTime) -> Bool {
        let expiredOnly = reason == .queueDelay
        func eligible(_ e: QueueEntry) -> Bool { !expiredOnly || now.seconds(since: e.enqueuedAt) > configuration.maxDelay }
        func anchor(of e: QueueEntry) -> UInt8 {
            subscriptions[e.subscription]?.groups[e.object.group]?.anchorPriority ?? e.object.publisherPriority
        }

        // Tier 1: the least important non-anchor stream, the one that would be sent last.
        var victim: QueueEntry?
        for e in entries where eligible(e) && e.object.publisherPriority > anchor(of: e) {
            if let v = victim, !QueueEntry.sendsBefore(v, e) { continue }
            victim = e
        }
        if let v = victim {
            dropUnit(v, reason: reason)
            return true
        }

        // Tier 2: a group the subscriber is a whole group behind on: skip it, oldest first
        // (least important subscription first).
        var behind: (subPriority: UInt8, group: UInt64, subscription: UInt64)?
        for e in entries where eligible(e) {
            guard let current = subscriptions[e.subscription]?.currentGroup, e.object.group < current else { continue }
            let candidate = (e.subscriberPriority, e.object.group, e.subscription)
            if let b = behind {
                if candidate.0 < b.subPriority || (candidate.0 == b.subPriority && candidate.1 >= b.group) { continue }
            }
            behind = candidate
        }
        if let b = behind {
            skipGroup(b.group, subscription: b.subscription, reason: reason)
            return true
        }

        // Tier 3: the current group itself, only past the hard bound or when it is stale.
        guard expiredOnly || queuedBytes > configuration.hardMaxBytes else { return false }
        var last: QueueEntry?
        for e in entries where eligible(e) {
            if let l = last, !QueueEntry.sendsBefore(l, e) { continue }
            last = e
        }
        guard let l = last else { return false }
        skipGroup(l.object.group, subscription: l.subscription, reason: reason)
        return true
    }

    /// Drops every queued object of `victim`'s stream (or the datagram), remembers the stream and
    /// the level as dropped, and reports the reset.
    private mutating func dropUnit(_ victim: QueueEntry, reason: DropReason) {
        let unit = victim.unit
        let sid = victim.subscription, g = victim.object.group, prio = victim.object.publisherPriority
        removeEntries(reason: reason) { $0.unit == unit }
        guard var state = subscriptions[sid]?.groups[g] else { return }
        if state.dropAbove.map({ prio < $0 }) ?? true {
            state.dropAbove = prio
            state.dropAboveReason = reason
        }
        if let sg = unit.subgroup, state.droppedSubgroups[sg] == nil {
            state.droppedSubgroups[sg] = reason
            emitReset(subscription: sid, group: g, subgroup: sg, reason: reason,
                      opened: state.openedSubgroups.contains(sg), groupSkipped: false)
        }
        // Anything less important of the same group that is still queued goes too.
        removeEntries(reason: reason) { $0.subscription == sid && $0.object.group == g && $0.object.publisherPriority > prio }
        subscriptions[sid]?.groups[g] = state
        resetDroppedStreams(subscription: sid, group: g, reason: reason)
    }

    /// Skips a whole group of a subscription: drops its queued objects and everything of it that
    /// arrives later, and resets each of its streams once.
    private mutating func skipGroup(_ g: UInt64, subscription sid: UInt64, reason: DropReason) {
        removeEntries(reason: reason) { $0.subscription == sid && $0.object.group == g }
        guard var state = subscriptions[sid]?.groups[g] else { return }
        state.skipped = reason
        counters.groupsSkipped += 1
        subscriptions[sid]?.groups[g] = state
        resetDroppedStreams(subscription: sid, group: g, reason: reason)
    }

    /// Subgroups of `g` touched by drops since `lastRemoved` was filled get a reset if they had none.
    private mutating func resetDroppedStreams(subscription sid: UInt64, group g: UInt64, reason: DropReason) {
        guard var state = subscriptions[sid]?.groups[g] else { return }
        var subgroups = Set(lastRemovedSubgroups[sid, default: [:]][g, default: []])
        if state.skipped != nil { subgroups.formUnion(state.openedSubgroups) }
        for sg in subgroups.sorted() where state.droppedSubgroups[sg] == nil {
            state.droppedSubgroups[sg] = reason
            emitReset(subscription: sid, group: g, subgroup: sg, reason: reason,
                      opened: state.openedSubgroups.contains(sg), groupSkipped: state.skipped != nil)
        }
        subscriptions[sid]?.groups[g] = state
        lastRemovedSubgroups = [:]
    }

    /// Subgroups whose objects `removeEntries` dropped, per subscription and group.
    private var lastRemovedSubgroups: [UInt64: [UInt64: [UInt64]]] = [:]

    private mutating func removeEntries(reason: DropReason, where match: (QueueEntry) -> Bool) {
        var kept: [QueueEntry] = []
        kept.reserveCapacity(entries.count)
        for e in entries {
            if match(e) {
                queuedBytes -= e.object.byteCount
                queuedSequences.remove(e.sequence)
                uncount(e.unit)
                record(drop: e.object, subscription: e.subscription, reason: reason)
                if let sg = e.object.subgroup { lastRemovedSubgroups[e.subscription, default: [:]][e.object.group, default: []].append(sg) }
            } else {
                kept.append(e)
            }
        }
        entries = kept
    }

    private mutating func uncount(_ unit: DropUnit) {
        guard let n = unitCounts[unit] else { return }
        unitCounts[unit] = n > 1 ? n - 1 : nil
    }

    private mutating func record(drop object: RelayObject, subscription: UInt64, reason: DropReason) {
        counters.dropped[reason, default: 0] += 1
        if let anchor = subscriptions[subscription]?.groups[object.group]?.anchorPriority {
            if object.publisherPriority <= anchor { counters.anchorDrops += 1 }
        } else {
            counters.anchorDrops += 1
        }
        pending.drops.append(DroppedObject(subscription: subscription, location: object.location, subgroup: object.subgroup,
                                           publisherPriority: object.publisherPriority, byteCount: object.byteCount, reason: reason))
    }

    private mutating func emitReset(subscription: UInt64, group: UInt64, subgroup: UInt64, reason: DropReason, opened: Bool, groupSkipped: Bool) {
        counters.resets += 1
        pending.resets.append(StreamReset(subscription: subscription, group: group, subgroup: subgroup, reason: reason,
                                          streamOpened: opened, groupSkipped: groupSkipped))
    }

    private func insertionIndex(for entry: QueueEntry) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if QueueEntry.sendsBefore(entries[mid], entry) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
