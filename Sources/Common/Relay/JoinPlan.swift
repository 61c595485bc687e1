import MoQT

/// Splices a late joiner onto a live track: first the cached objects from the join point
/// (replay), then the live objects, with no duplicate and no hole.
///
/// Create it with `TrackCache.joinPlan(startingAt:)` (or `latestGroupJoinPlan()`) at SUBSCRIBE
/// time, and from that moment pass every object that reaches the track to `receiveLive(_:)`
/// — the snapshot and the registration for live objects must happen in the same step, so that
/// every object is either in the snapshot or seen live (or both).
///
/// The session pulls objects to send with `next()`: the replayed objects ascending, then the live
/// objects that arrived during the replay in arrival order. Once `next()` has returned nil the plan
/// is live, and `receiveLive(_:)` answers `.forward` for objects to send straight away.
///
/// - A live object already replayed or queued is a `.duplicate`.
/// - A live object before the join point is `.beforeStart` (the subscriber did not ask for it).
/// - Objects of the join group that arrive live after the snapshot — another subgroup, or an
///   earlier object ID of a subgroup that arrived late — are new and are delivered.
public struct JoinPlan: Sendable {
    /// What to do with an object that arrived live.
    public enum LiveDecision: Hashable, Sendable {
        /// Send it now (the replay is over).
        case forward
        /// Held back: `next()` returns it after the replay.
        case queued
        /// It was (or will be) sent from the cache; skip it.
        case duplicate
        /// It lies before the subscriber's start; skip it.
        case beforeStart
    }

    /// The first location the subscriber receives.
    public let start: Location
    /// True once the replay and the queued live objects are all handed out.
    public private(set) var isLive = false

    private var replay: [RelayObject]
    private var replayIndex = 0
    private var queued: [RelayObject] = []
    private var queuedIndex = 0
    /// Locations replayed or queued: a live object with one of them is a duplicate.
    private var scheduled: Set<Location>

    /// A plan replaying `replay` (sorted here, locations at or after `start`) before live objects.
    public init(start: Location, replay: [RelayObject]) {
        self.start = start
        var seen = Set<Location>()
        self.replay = replay.filter { $0.location >= start && seen.insert($0.location).inserted }.sorted { $0.location < $1.location }
        self.scheduled = seen
    }

    /// Objects not yet handed out by `next()` (replay plus queued).
    public var pendingCount: Int { (replay.count - replayIndex) + (queued.count - queuedIndex) }

    /// The next object to send during the splice, or nil when the splice is done (the plan is
    /// then live and every later object comes through `receiveLive(_:)` as `.forward`).
    public mutating func next() -> RelayObject? {
        if replayIndex < replay.count {
            defer { replayIndex += 1 }
            return replay[replayIndex]
        }
        if queuedIndex < queued.count {
            defer { queuedIndex += 1 }
            return queued[queuedIndex]
        }
        if !isLive {
            isLive = true
            replay = []
            queued = []
            replayIndex = 0
            queuedIndex = 0
        }
        return nil
    }

    /// Decides what to do with an object that reached the track after the plan was made.
    public mutating func receiveLive(_ object: RelayObject) -> LiveDecision {
        guard object.location >= start else { return .beforeStart }
        if scheduled.contains(object.location) { return .duplicate }
        if isLive {
            // Only the replayed and queued locations can repeat; anything else is new. The set
            // keeps them (bounded by the snapshot) so a late live copy is still recognised.
            return .forward
        }
        scheduled.insert(object.location)
        queued.append(object)
        return .queued
    }
}
