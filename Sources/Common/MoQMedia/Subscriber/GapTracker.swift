/// Works out which objects of a subscription never arrived, and why.
///
/// Fed what the subscriber sees — objects, subgroup streams that were reset (and with which code),
/// ends of groups, the start of the subscription and its end — it reports runs of missing objects.
/// A group's size is known when its end was signalled (END_OF_GROUP status, or a clean FIN of every
/// subgroup stream followed by a later group); otherwise only holes below the highest object received
/// can be reported, which the `finish` step settles for groups followed by a later one.
public struct GapTracker: Sendable {
    struct GroupState: Sendable {
        var received = Set<UInt64>()
        var highest: UInt64?
        /// Number of objects in the group, when known.
        var objectCount: UInt64?
        /// The reason for any hole, when a stream of this group was reset on purpose.
        var resetReason: GapReason?
    }

    private var groups: [UInt64: GroupState] = [:]
    /// The first location the subscription delivers (objects before it were skipped at join).
    public private(set) var start: (group: UInt64, object: UInt64)?
    /// Total objects received (duplicates excluded).
    public private(set) var objectsReceived = 0
    /// Duplicate deliveries seen.
    public private(set) var duplicates = 0
    /// Set while disconnected: the highest group seen before the session was lost.
    private var disconnectedAfter: UInt64?
    /// Groups published while the subscriber was away (between two sessions).
    private var outages: [ClosedRange<UInt64>] = []
    /// Sessions lost (or subscriptions ended by a publisher that went away) so far.
    public private(set) var disconnections = 0
    /// Added to every group ID received: a publisher that came back as a new process numbers its
    /// groups from 0 again, and its groups follow the previous incarnation's here.
    public private(set) var groupOffset: UInt64 = 0
    /// Times the track started anew (a group below the last one seen after a disconnection).
    public private(set) var restarts = 0
    /// Set by `disconnected()`: the next group received tells whether the track went on or restarted.
    private var checkRestart = false

    public init() {}

    /// The subscription starts at this location (the first object received, for a latest-group join).
    public mutating func setStart(group: UInt64, object: UInt64) {
        if start == nil { start = (group, object) }
    }

    /// The session was lost (`--reconnect` will subscribe again): what is missing from the last
    /// group seen up to the first group of the next session is reported as `disconnected`.
    /// Also called when the publisher went away and `--reconnect` subscribes again on the same session.
    public mutating func disconnected() {
        disconnections += 1
        guard disconnectedAfter == nil, let last = groups.keys.max() else { return }
        disconnectedAfter = last
        checkRestart = true
    }

    /// The group ID in the track's continuous numbering for `group` as received (call before
    /// `objectReceived`, `groupEnded` and `streamReset`). The first group after a disconnection that
    /// lies below the last group seen means the publisher started anew (a new process numbering from
    /// 0): its groups are shifted past the last one seen, `restarted` is true, and its groups before
    /// the one joined count as missed while away. A group equal to the last one seen is taken as the
    /// same track going on (duplicates are dropped).
    public mutating func trackGroup(_ group: UInt64) -> (group: UInt64, restarted: Bool) {
        guard checkRestart, let after = disconnectedAfter else { return (group + groupOffset, false) }
        checkRestart = false
        guard group + groupOffset < after else { return (group + groupOffset, false) }
        groupOffset = after + 1
        restarts += 1
        return (group + groupOffset, true)
    }

    /// An object arrived. Returns false for a duplicate.
    @discardableResult
    public mutating func objectReceived(group: UInt64, object: UInt64) -> Bool {
        if start == nil { start = (group, object) }
        if let after = disconnectedAfter, group > after {
            // The first object of the next session: the rest of the last group and every group
            // in between were missed while away.
            var state = groups[after] ?? GroupState()
            state.resetReason = .disconnected
            groups[after] = state
            if group > after + 1 { outages.append((after + 1)...(group - 1)) }
            disconnectedAfter = nil
        }
        var state = groups[group] ?? GroupState()
        guard state.received.insert(object).inserted else { duplicates += 1; return false }
        state.highest = max(state.highest ?? object, object)
        groups[group] = state
        objectsReceived += 1
        return true
    }

    /// The group has exactly `objectCount` objects (IDs 0..<objectCount), e.g. from END_OF_GROUP.
    public mutating func groupEnded(group: UInt64, objectCount: UInt64) {
        var state = groups[group] ?? GroupState()
        state.objectCount = objectCount
        groups[group] = state
    }

    /// A subgroup stream of `group` was reset; `droppedOnPurpose` when its code says the sender dropped it.
    public mutating func streamReset(group: UInt64, droppedOnPurpose: Bool) {
        var state = groups[group] ?? GroupState()
        if droppedOnPurpose { state.resetReason = .droppedByPriority } else if state.resetReason == nil { state.resetReason = .lost }
        groups[group] = state
    }

    /// Gaps as known now. `finalGroup` is the last group of the track, if known (PUBLISH_DONE).
    public func gaps(finalGroup: UInt64? = nil) -> [Gap] {
        guard let first = self.start else { return [] }
        // Objects of the join group may arrive out of order across subgroup streams (a P frame
        // before the keyframe): the join point is the lowest object received there.
        let start = (group: first.group, object: min(first.object, groups[first.group]?.received.min() ?? first.object))
        var result: [Gap] = []
        if start.object > 0 {
            result.append(.objects(group: start.group, 0...(start.object - 1), reason: .skippedAtJoin))
        }
        let known = groups.keys.sorted()
        guard let lastSeen = known.last else { return result }
        let last = max(lastSeen, finalGroup ?? lastSeen)
        var missingRun: ClosedRange<UInt64>?
        func flushRun() {
            if let run = missingRun {
                let away = outages.contains { $0.contains(run.lowerBound) && $0.contains(run.upperBound) }
                result.append(.groups(run, reason: away ? .disconnected : .lost))
            }
            missingRun = nil
        }
        for g in start.group...last {
            guard let state = groups[g], !state.received.isEmpty || state.objectCount != nil else {
                if let reason = groups[g]?.resetReason, reason != .lost {
                    // Nothing arrived, but the sender said it dropped the group's streams.
                    flushRun()
                    result.append(.groups(g...g, reason: reason))
                } else {
                    // A run never spans the edge of an outage (its reason would be mixed).
                    if let run = missingRun, outages.contains(where: { $0.contains(g) != $0.contains(run.lowerBound) }) { flushRun() }
                    missingRun = missingRun.map { $0.lowerBound...g } ?? g...g
                }
                continue
            }
            flushRun()
            let reason = state.resetReason ?? .lost
            let first: UInt64 = g == start.group ? start.object : 0
            // The end of the group: known count, or the highest object seen when a later group exists.
            let end: UInt64? = state.objectCount ?? state.highest.map { $0 + 1 }
            guard let end, end > first else { continue }
            var runStart: UInt64?
            for o in first..<end {
                if state.received.contains(o) {
                    if let s = runStart { result.append(.objects(group: g, s...(o - 1), reason: reason)); runStart = nil }
                } else if runStart == nil {
                    runStart = o
                }
            }
            if let s = runStart { result.append(.objects(group: g, s...(end - 1), reason: reason)) }
        }
        flushRun()
        return result
    }

    /// Groups in which at least one object arrived.
    public var groupsReceived: Int { groups.values.filter { !$0.received.isEmpty }.count }
}
