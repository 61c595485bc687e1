/// A subscriber queue's state for one subscription: its context, the current group, and the drop
/// state of recent groups.
struct SubscriptionQueueState: Sendable {
    /// Scheduling context.
    var context: SubscriptionContext
    /// The highest group ID queued so far.
    var currentGroup: UInt64?
    /// Drop state per recent group.
    var groups: [UInt64: GroupDropState] = [:]

    init(context: SubscriptionContext) { self.context = context }

    /// Forgets groups more than `retained` groups older than the current one, unless `keep` says
    /// they still have queued objects.
    mutating func prune(retained: Int, keep: (UInt64) -> Bool) {
        guard let c = currentGroup, c >= UInt64(retained) else { return }
        let floor = c - UInt64(retained)
        for g in groups.keys where g < floor && !keep(g) { groups[g] = nil }
    }

    /// The oldest group a newly arriving object may belong to and still be queued.
    func floorGroup(retained: Int) -> UInt64 {
        guard let c = currentGroup, c >= UInt64(retained) else { return 0 }
        return c - UInt64(retained)
    }
}
