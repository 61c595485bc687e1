/// Running totals of a subscriber queue.
public struct QueueCounters: Hashable, Sendable {
    /// Objects accepted into the queue.
    public var enqueued = 0
    /// Objects released for sending.
    public var sent = 0
    /// Bytes released for sending.
    public var sentBytes = 0
    /// Objects dropped, by reason.
    public var dropped: [DropReason: Int] = [:]
    /// Streams reset.
    public var resets = 0
    /// Groups skipped whole (their most important objects dropped).
    public var groupsSkipped = 0
    /// The most bytes the queue ever held after enforcing its bounds.
    public var peakBytes = 0
    /// Dropped objects that were among their group's most important (publisher priority at the
    /// group's best, e.g. keyframes), or of a group too old to be tracked: what priority dropping
    /// could not spare. A subscriber that keeps losing them cannot be served.
    public var anchorDrops = 0

    /// Zero counters.
    public init() {}

    /// Objects dropped for any reason.
    public var droppedTotal: Int { dropped.values.reduce(0, +) }
}
