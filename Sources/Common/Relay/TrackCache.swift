import MoQT

/// The relay's cache of one track: groups, their subgroups and objects, bounded by age and bytes.
///
/// Objects may arrive in any order: subgroups of a group out of order, objects of several
/// subgroups interleaved, late objects of older groups. Eviction always removes whole groups and
/// never the latest (highest ID) group, so a late joiner can always start at the current group.
///
/// The cache answers what a relay needs at SUBSCRIBE and FETCH time: the latest group from its
/// first object (`joinPlan(startingAt:)`), a range (`fetch(_:order:)`), the largest location, and
/// which parts of a range it lacks so the relay can ask upstream for just those.
///
/// Time is a parameter: `insert(_:now:)` and `evict(now:)` take the current time.
public struct TrackCache: Sendable {
    /// The bounds of a cache.
    public struct Configuration: Hashable, Sendable {
        /// Keep groups whose newest object is at most this many seconds old (`--cache-seconds`).
        public var cacheSeconds: Double
        /// Keep at most this many bytes (payload plus properties); oldest groups go first.
        public var cacheBytes: Int

        /// Bounds: 10 seconds and 64 MiB by default.
        public init(cacheSeconds: Double = 10, cacheBytes: Int = 64 << 20) {
            self.cacheSeconds = cacheSeconds
            self.cacheBytes = cacheBytes
        }
    }

    /// What `insert(_:now:)` did with an object.
    public enum InsertResult: Hashable, Sendable {
        /// Stored.
        case inserted
        /// The cache already held this location; nothing changed.
        case duplicate
        /// The object's group is older than groups already evicted; not stored.
        case tooOld
    }

    /// The cache's bounds.
    public var configuration: Configuration
    /// Counters: bytes, groups, objects, hits, misses, evictions.
    public private(set) var stats = CacheStats()

    private var groups: [UInt64: CachedGroup] = [:]
    /// Cached group IDs ascending.
    private var groupIDs: [UInt64] = []
    /// The highest group ID ever evicted: objects for it or older groups are not stored again.
    private var evictedThrough: UInt64?

    /// An empty cache.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    // MARK: - Input

    /// Stores `object` (received at `object.arrival`), then evicts what the bounds require at `now`.
    @discardableResult
    public mutating func insert(_ object: RelayObject, now: RelayTime) -> InsertResult {
        let g = object.group
        if let e = evictedThrough, g <= e, groups[g] == nil { return .tooOld }
        if groups[g] == nil {
            groups[g] = CachedGroup(id: g)
            groupIDs.insert(g, at: CachedGroup.insertionIndex(of: g, in: groupIDs))
            stats.groups += 1
        }
        guard groups[g]!.insert(object) else {
            stats.duplicates += 1
            return .duplicate
        }
        stats.objects += 1
        stats.bytes += object.byteCount
        evict(now: now)
        return .inserted
    }

    /// Records that group `group` holds no objects beyond its largest cached object ID (e.g. every
    /// subgroup stream of it ended with FIN and a later group began). A range reaching past the
    /// group's end is then fully held. No effect on a group the cache does not hold.
    public mutating func markGroupComplete(_ group: UInt64) {
        guard var g = groups[group], let last = g.largestObjectID else { return }
        g.lastObject = min(g.lastObject ?? last, last)
        groups[group] = g
    }

    /// Evicts whole groups, never the latest: first those whose newest object is older than
    /// `cacheSeconds` at `now`, then the oldest while the cache is over `cacheBytes`; then, if the
    /// latest group alone is over `cacheBytes`, its oldest objects.
    /// Returns the evicted group IDs in eviction order.
    @discardableResult
    public mutating func evict(now: RelayTime) -> [UInt64] {
        var evicted: [UInt64] = []
        guard let latest = groupIDs.last else { return evicted }
        let horizon = now.adding(seconds: -configuration.cacheSeconds)
        for id in groupIDs where id != latest {
            if let g = groups[id], g.newestArrival < horizon {
                remove(id)
                stats.evictionsByAge += 1
                evicted.append(id)
            }
        }
        while stats.bytes > configuration.cacheBytes, groupIDs.count > 1 {
            let oldest = groupIDs[0]
            remove(oldest)
            stats.evictionsByBytes += 1
            evicted.append(oldest)
        }
        // The latest group alone over the bound (a publisher that never starts a new group): its
        // oldest objects go, so the cache never holds more than the bound plus one object. A late
        // joiner then starts inside that group.
        if stats.bytes > configuration.cacheBytes, var g = groups[latest] {
            while stats.bytes > configuration.cacheBytes, g.sortedIDs.count > 1, let o = g.removeOldest() {
                stats.bytes -= o.byteCount
                stats.objects -= 1
                stats.objectsTrimmed += 1
            }
            groups[latest] = g
        }
        return evicted
    }

    // MARK: - A byte bound shared with other tracks (`SharedCacheBound`)

    /// The newest arrival of the oldest group held other than the latest: the group a bound
    /// shared by several tracks evicts first. Nil when only the latest group is held.
    public var oldestEvictableGroupArrival: RelayTime? {
        guard groupIDs.count > 1 else { return nil }
        return groups[groupIDs[0]]?.newestArrival
    }

    /// Evicts the oldest group unless it is the latest (counted as an eviction by bytes); returns
    /// the bytes freed (0 when only the latest group is held).
    @discardableResult
    public mutating func evictOldestGroup() -> Int {
        guard groupIDs.count > 1 else { return 0 }
        let before = stats.bytes
        remove(groupIDs[0])
        stats.evictionsByBytes += 1
        return before - stats.bytes
    }

    /// Removes the oldest object of the latest group (counted in `objectsTrimmed`), down to none:
    /// the group itself stays, so its later objects are still taken. Returns the bytes freed, or
    /// nil when nothing was left to remove or older groups are still held.
    public mutating func trimOldestObjectOfLatestGroup() -> Int? {
        guard groupIDs.count == 1, let latest = groupIDs.last, let o = groups[latest]?.removeOldest() else { return nil }
        stats.bytes -= o.byteCount
        stats.objects -= 1
        stats.objectsTrimmed += 1
        return o.byteCount
    }

    private mutating func remove(_ id: UInt64) {
        guard let g = groups.removeValue(forKey: id) else { return }
        groupIDs.remove(at: CachedGroup.insertionIndex(of: id, in: groupIDs))
        stats.bytes -= g.bytes
        stats.objects -= g.objects.count
        stats.groups -= 1
        stats.evictions += 1
        evictedThrough = max(evictedThrough ?? id, id)
    }

    // MARK: - Getters

    /// The latest (highest) group ID held.
    public var latestGroupID: UInt64? { groupIDs.last }
    /// The oldest (lowest) group ID held.
    public var oldestGroupID: UInt64? { groupIDs.first }
    /// Group IDs held, ascending.
    public var cachedGroupIDs: [UInt64] { groupIDs }
    /// The largest location held (the latest group's largest object ID): what SUBSCRIBE_OK
    /// reports as LARGEST_OBJECT.
    public var largestLocation: Location? {
        guard let g = groupIDs.last, let o = groups[g]?.largestObjectID else { return nil }
        return Location(group: g, object: o)
    }
    /// True when the cache holds `location`.
    public func contains(_ location: Location) -> Bool { groups[location.group]?.objects[location.object] != nil }
    /// The object at `location`, if held.
    public func object(at location: Location) -> RelayObject? { groups[location.group]?.objects[location.object] }
    /// The objects of `group`, object IDs ascending across all its subgroups.
    public func objects(inGroup group: UInt64) -> [RelayObject] {
        groups[group].map { $0.objects(from: 0, through: UInt64.max) } ?? []
    }
    /// The subgroups of `group` held, and each one's object IDs ascending.
    public func subgroups(inGroup group: UInt64) -> [ObjectForwardingPreference: [UInt64]] {
        groups[group]?.subgroups ?? [:]
    }

    // MARK: - Queries (counted as hits or misses)

    /// The latest group's objects from its first held object, object IDs ascending; empty (and a
    /// miss) when nothing is cached.
    public mutating func latestGroupObjects() -> [RelayObject] {
        guard let g = groupIDs.last else {
            stats.misses += 1
            return []
        }
        let objects = self.objects(inGroup: g)
        stats.hits += 1
        stats.objectsServed += objects.count
        return objects
    }

    /// A splice plan for a subscriber whose delivery starts at `start`: every cached object at or
    /// after `start` is replayed (ascending), then live objects follow (see `JoinPlan`). Counts a
    /// hit when anything is replayed, else a miss.
    public mutating func joinPlan(startingAt start: Location) -> JoinPlan {
        var replay: [RelayObject] = []
        var i = CachedGroup.insertionIndex(of: start.group, in: groupIDs)
        while i < groupIDs.count {
            let id = groupIDs[i]
            if let g = groups[id] {
                replay += g.objects(from: id == start.group ? start.object : 0, through: UInt64.max)
            }
            i += 1
        }
        if replay.isEmpty { stats.misses += 1 } else { stats.hits += 1 }
        stats.objectsServed += replay.count
        return JoinPlan(start: start, replay: replay)
    }

    /// The splice plan for a late joiner served from the latest group's start (`{latest, 0}`),
    /// or a plan that forwards everything live when nothing is cached.
    public mutating func latestGroupJoinPlan() -> JoinPlan {
        joinPlan(startingAt: Location(group: latestGroupID ?? 0, object: 0))
    }

    /// Where delivery starts for a SUBSCRIBE with `filter` (draft-18 §5.1.2), given what the
    /// cache holds: Next Group Start is the group after the largest location, Largest Object the
    /// object after it; absolute filters name their start. With nothing cached, `{0, 0}`.
    public func joinStart(for filter: SubscriptionFilter) -> Location {
        filter.startLocation(largest: largestLocation)
    }

    /// The cached objects within `span` (groups in `order`, objects ascending within a group)
    /// and the parts of it the cache lacks. Counts a hit when fully held, else a miss.
    public mutating func fetch(_ span: FetchSpan, order: GroupOrder = .ascending) -> FetchAnswer {
        var answer = FetchAnswer(objects: [], missing: [])
        guard !span.isEmpty else {
            stats.hits += 1
            return answer
        }
        var perGroup: [[RelayObject]] = []
        var i = CachedGroup.insertionIndex(of: span.start.group, in: groupIDs)
        while i < groupIDs.count, groupIDs[i] <= span.endGroup {
            let id = groupIDs[i]
            if let g = groups[id] {
                let first = id == span.start.group ? span.start.object : 0
                let last = id == span.endGroup ? (span.endObject ?? UInt64.max) : UInt64.max
                perGroup.append(g.objects(from: first, through: last))
            }
            i += 1
        }
        if order == .descending { perGroup.reverse() }
        answer.objects = perGroup.flatMap { $0 }
        answer.missing = missing(in: span)
        if answer.isFullyHeld { stats.hits += 1 } else { stats.misses += 1 }
        stats.objectsServed += answer.objects.count
        return answer
    }

    /// True when the cache holds all of `span` (not counted in the stats).
    public func holds(_ span: FetchSpan) -> Bool { missing(in: span).isEmpty }

    /// The parts of `span` the cache does not hold, ascending. A group the cache lacks is missing
    /// whole; within a held group, gaps between object IDs and, when the group's end is not
    /// known, everything after its largest object are missing.
    public func missing(in span: FetchSpan) -> [FetchSpan] {
        guard !span.isEmpty else { return [] }
        var out: [FetchSpan] = []
        var nextGroup: UInt64? = span.start.group  // first group not yet accounted for
        func addAbsentGroups(through last: UInt64) {
            guard let n = nextGroup, n <= last else { return }
            let startObject = n == span.start.group ? span.start.object : 0
            let endObject = last == span.endGroup ? span.endObject : nil
            out.append(FetchSpan(start: Location(group: n, object: startObject), endGroup: last, endObject: endObject))
        }
        var i = CachedGroup.insertionIndex(of: span.start.group, in: groupIDs)
        while i < groupIDs.count, groupIDs[i] <= span.endGroup, let n = nextGroup {
            let id = groupIDs[i]
            if id > n { addAbsentGroups(through: id - 1) }
            if let g = groups[id] {
                let first = id == span.start.group ? span.start.object : 0
                let last = id == span.endGroup ? span.endObject : nil
                for r in g.missingRanges(from: first, through: last) {
                    out.append(FetchSpan(start: Location(group: id, object: r.lower), endGroup: id, endObject: r.upper))
                }
            }
            nextGroup = id == UInt64.max ? nil : id + 1
            i += 1
        }
        addAbsentGroups(through: span.endGroup)
        return out
    }
}
