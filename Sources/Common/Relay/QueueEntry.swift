import MoQT

/// One object waiting in a `SubscriberQueue`, with its place in the send order.
struct QueueEntry: Sendable {
    /// The subscription it is queued for.
    let subscription: UInt64
    /// The object.
    let object: RelayObject
    /// When it entered the queue.
    let enqueuedAt: RelayTime
    /// The subscription's priority when it was queued.
    let subscriberPriority: UInt8
    /// The group ID mapped so that smaller sends first: the ID for ascending group order, its
    /// complement for descending.
    let groupRank: UInt64
    /// Arrival sequence number: the last tie-break.
    let sequence: UInt64

    /// The draft's order (§7): subscriber priority, then publisher priority (lower value first),
    /// then group per the subscription's group order, then object ID, then subgroup, then arrival.
    static func sendsBefore(_ a: QueueEntry, _ b: QueueEntry) -> Bool {
        if a.subscriberPriority != b.subscriberPriority { return a.subscriberPriority < b.subscriberPriority }
        if a.object.publisherPriority != b.object.publisherPriority { return a.object.publisherPriority < b.object.publisherPriority }
        if a.groupRank != b.groupRank { return a.groupRank < b.groupRank }
        if a.object.objectID != b.object.objectID { return a.object.objectID < b.object.objectID }
        let sa = a.object.subgroup ?? UInt64.max, sb = b.object.subgroup ?? UInt64.max
        if sa != sb { return sa < sb }
        return a.sequence < b.sequence
    }

    /// The unit the queue drops at once: a subgroup stream, or a single datagram.
    var unit: DropUnit {
        DropUnit(subscription: subscription, group: object.group, subgroup: object.subgroup,
                 datagramObject: object.subgroup == nil ? object.objectID : nil)
    }
}
