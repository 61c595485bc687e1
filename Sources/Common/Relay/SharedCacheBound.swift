/// Something that holds one track's cache (the relay's `RelayTrack`; a plain box in tests).
public protocol TrackCacheHolder: AnyObject {
    /// The track's cache.
    var cache: TrackCache { get set }
}

/// One byte bound for the caches of every track together (`moq-relay --cache-bytes`), so a client
/// publishing many tracks cannot make the relay hold tracks x the bound (sans I/O).
///
/// Over the bound, the least valuable bytes go first:
/// 1. whole groups other than a track's latest, the group whose newest object arrived first across
///    all tracks going first (what a late joiner of any track is least likely to need);
/// 2. once every track holds only its latest group, the oldest objects of the largest cache, one at
///    a time, re-choosing the largest after each; a track may end with none (its group stays known,
///    so its later objects are still taken and forwarded).
/// So the sum never exceeds the bound after `enforce`, and each live track keeps its latest group
/// as long as anything else can go.
public enum SharedCacheBound {
    /// What one `enforce` did.
    public struct Outcome: Hashable, Sendable {
        /// Bytes held by all the caches afterwards.
        public var bytes: Int
        /// Groups evicted (step 1).
        public var groupsEvicted = 0
        /// Objects trimmed from latest groups (step 2).
        public var objectsTrimmed = 0
    }

    /// The bytes held by `holders`' caches together.
    public static func bytes<H: TrackCacheHolder>(of holders: some Sequence<H>) -> Int {
        holders.reduce(0) { $0 + $1.cache.stats.bytes }
    }

    /// Brings the bytes of `holders`' caches together to at most `bound` (see the type).
    @discardableResult
    public static func enforce<H: TrackCacheHolder>(_ holders: [H], bound: Int) -> Outcome {
        var out = Outcome(bytes: bytes(of: holders))
        let bound = max(bound, 0)
        // 1. Groups other than the latest, oldest newest-arrival first across tracks.
        while out.bytes > bound {
            var pick: Int?
            var pickArrival = RelayTime.zero
            for (i, h) in holders.enumerated() {
                guard let t = h.cache.oldestEvictableGroupArrival else { continue }
                if pick == nil || t < pickArrival { pick = i; pickArrival = t }
            }
            guard let i = pick else { break }
            out.bytes -= holders[i].cache.evictOldestGroup()
            out.groupsEvicted += 1
        }
        // 2. Inside the largest latest group, its oldest objects.
        while out.bytes > bound {
            var pick: Int?
            var most = 0
            for (i, h) in holders.enumerated() where h.cache.stats.bytes > most {
                pick = i
                most = h.cache.stats.bytes
            }
            guard let i = pick, let freed = holders[i].cache.trimOldestObjectOfLatestGroup() else { break }
            out.bytes -= freed
            out.objectsTrimmed += 1
        }
        return out
    }
}
