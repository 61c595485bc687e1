/// Decides when a subscriber cannot be served any more (`moq-relay --slow-subscriber-timeout`),
/// from what each feed of its queue saw (sans I/O: the caller passes the time).
///
/// Priority dropping comes first: B, then P frames' streams go before any group's most important
/// objects (`QueueCounters.anchorDrops` counts those). A subscriber whose link carries its most
/// important data once the rest is dropped never loses it and is never cut off. One that keeps
/// losing it for `limit` seconds -- no pause as long as the limit between two such losses, and no
/// catching up (a feed that leaves its queue empty with room in the connection) -- is.
public struct SlowSubscriberDetector: Sendable {
    /// Since when the subscriber has been losing its most important objects; nil while it keeps up.
    public private(set) var behindSince: RelayTime?
    /// The last feed that saw such a loss.
    public private(set) var lastAnchorDrop: RelayTime?
    /// Such losses since `behindSince`.
    public private(set) var anchorDropsBehind = 0
    private var anchorDropsSeen = 0

    /// A detector for a subscriber that keeps up.
    public init() {}

    /// Notes one feed of the queue (`anchorDrops`: the queue's running count; `window` and `budget`:
    /// what the connection could take); true when the subscriber has been losing its most important
    /// objects for `limit` seconds or more (never with `limit` nil).
    public mutating func note(queueEmpty: Bool, anchorDrops: Int, window: Int, budget: Int, now: RelayTime, limit: Double?) -> Bool {
        let fresh = anchorDrops - anchorDropsSeen
        anchorDropsSeen = anchorDrops
        if queueEmpty && fresh == 0 && window > 0 && budget > 0 {
            behindSince = nil
            return false
        }
        guard fresh > 0, let limit else { return false }
        if behindSince == nil || lastAnchorDrop.map({ now.seconds(since: $0) > limit }) ?? true {
            behindSince = now
            anchorDropsBehind = 0
        }
        lastAnchorDrop = now
        anchorDropsBehind += fresh
        return now.seconds(since: behindSince ?? now) >= limit
    }
}
