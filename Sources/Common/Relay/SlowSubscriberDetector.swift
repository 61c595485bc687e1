/// Decides when a subscriber cannot be served any more (`moq-relay --slow-subscriber-timeout`),
/// from what each feed of its queue saw (sans I/O: the caller passes the time).
///
/// Priority dropping comes first: B, then P frames' streams go before any group's most important
/// objects (`QueueCounters.anchorDrops` counts those). A subscriber whose link carries its most
/// important data once the rest is dropped never loses it and is never cut off. One that keeps
/// losing it for `limit` seconds -- no pause as long as the limit between two such losses, and no
/// catching up (a feed that leaves its queue empty with room in the connection) -- is.
///
/// A subscriber that acknowledges nothing is cut off the same way, without waiting for its queue:
/// while the relay has data in flight to it (sent, neither acknowledged nor declared lost) and its
/// largest acknowledged packet number does not move for `limit` seconds, it has stopped (a frozen
/// process, a vanished host). Its data then stays in QUIC, out of reach of priority dropping, so the
/// queue would drop keyframes only once that data had gone unacknowledged too (for a stopped
/// subscriber, 11-13 s with a 3 s limit). A live peer acknowledges within a round trip plus its
/// ACK delay even on a lossy link (each ACK that gets through moves the largest acknowledged
/// number), so it is never taken for a stopped one.
public struct SlowSubscriberDetector: Sendable {
    /// Since when the subscriber has been losing its most important objects; nil while it keeps up.
    public private(set) var behindSince: RelayTime?
    /// The last feed that saw such a loss.
    public private(set) var lastAnchorDrop: RelayTime?
    /// Such losses since `behindSince`.
    public private(set) var anchorDropsBehind = 0
    private var anchorDropsSeen = 0
    /// Since when data has been in flight to the subscriber with no new acknowledgement; nil
    /// while acknowledgements progress (or nothing is in flight).
    public private(set) var unacknowledgedSince: RelayTime?
    /// The largest acknowledged packet number at the last `noteAcknowledgements`.
    private var lastAcknowledged: UInt64?
    private var acknowledgementsNoted = false

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

    /// Notes the subscriber's acknowledgements at one feed of its queue (`bytesInFlight`: sent to it
    /// and neither acknowledged nor declared lost; `largestAcknowledged`: the largest packet number
    /// it acknowledged); true when data has been in flight for `limit` seconds or more without the
    /// largest acknowledged number moving (never with `limit` nil). Stalls are measured from the
    /// first feed that saw one, so call it at every feed.
    public mutating func noteAcknowledgements(bytesInFlight: Int, largestAcknowledged: UInt64?, now: RelayTime, limit: Double?) -> Bool {
        defer {
            lastAcknowledged = largestAcknowledged
            acknowledgementsNoted = true
        }
        if bytesInFlight <= 0 || !acknowledgementsNoted || largestAcknowledged != lastAcknowledged {
            unacknowledgedSince = nil
            return false
        }
        if unacknowledgedSince == nil { unacknowledgedSince = now }
        guard let limit, let since = unacknowledgedSince else { return false }
        return now.seconds(since: since) >= limit
    }

    /// Seconds data has been in flight without a new acknowledgement at `now` (0 when it has not).
    public func secondsUnacknowledged(at now: RelayTime) -> Double {
        unacknowledgedSince.map { now.seconds(since: $0) } ?? 0
    }
}
