/// Counters and gauges of a `TrackCache`.
public struct CacheStats: Hashable, Sendable, Codable {
    /// Bytes held (payload plus properties).
    public var bytes: Int = 0
    /// Groups held.
    public var groups: Int = 0
    /// Objects held.
    public var objects: Int = 0
    /// Requests (joins, fetches) the cache answered in full.
    public var hits: Int = 0
    /// Requests the cache could not answer in full (nothing cached, or part of a range missing).
    public var misses: Int = 0
    /// Groups evicted (by age or by bytes).
    public var evictions: Int = 0
    /// Groups evicted because their newest object was older than the age bound.
    public var evictionsByAge: Int = 0
    /// Groups evicted because the cache was over its byte bound.
    public var evictionsByBytes: Int = 0
    /// Objects handed out to joins and fetches.
    public var objectsServed: Int = 0
    /// Objects not stored because the cache already held their location.
    public var duplicates: Int = 0
    /// Objects removed from the front of a latest group that alone was over the byte bound.
    public var objectsTrimmed: Int = 0

    /// Empty stats.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case bytes, groups, objects, hits, misses, evictions
        case evictionsByAge = "evictions_by_age"
        case evictionsByBytes = "evictions_by_bytes"
        case objectsServed = "objects_served"
        case duplicates
        case objectsTrimmed = "objects_trimmed"
    }
}
