import Foundation

/// The relay's counters, written as JSON by `moq-relay --stats FILE` on exit (DESIGN §4) with
/// snake_case keys: `subscribers`, `objects_in`, `objects_out`, `packets_fast_path`,
/// `packets_user_space`, `dropped_by_priority`, `retransmitted_fast_path`, `cache_hits`, plus the
/// cache's size, the drops by reason, the open sessions and subscriptions and the payload bytes in
/// and out (also served by `--metrics`).
public struct RelayStats: Hashable, Sendable, Codable {
    /// Subscriptions served (peak or at exit, as the relay chooses to report).
    public var subscribers = 0
    /// Objects received from upstream.
    public var objectsIn = 0
    /// Objects sent to subscribers (each copy counted).
    public var objectsOut = 0
    /// Packets forwarded by the kernel fast path.
    public var packetsFastPath = 0
    /// Of those, copies the kernel sealed with the subscriber's keys (encrypted fast path).
    public var packetsFastPathEncrypted = 0
    /// Packets sent by user space.
    public var packetsUserSpace = 0
    /// ACK frames received from subscribers (QUIC, application space): with the packets sent to
    /// them, the ACK rate the ACK frequency extension lowers.
    public var ackFramesReceived = 0
    /// Objects dropped on purpose for a subscriber (every reason).
    public var droppedByPriority = 0
    /// Fast-path packets lost and retransmitted by user space.
    public var retransmittedFastPath = 0
    /// Joins and fetches answered in full from the cache.
    public var cacheHits = 0
    /// Joins and fetches the cache could not answer in full.
    public var cacheMisses = 0
    /// Bytes in the caches.
    public var cacheBytes = 0
    /// Groups in the caches.
    public var cacheGroups = 0
    /// Objects in the caches.
    public var cacheObjects = 0
    /// Groups evicted from the caches.
    public var cacheEvictions = 0
    /// Streams reset because of drops.
    public var streamsReset = 0
    /// Objects dropped, by reason (keys: `DropReason` raw values).
    public var dropsByReason: [String: Int] = [:]
    /// With `--ebpf`: the kernel's decision counters and the plane's own (absent without).
    public var fastPath: [String: UInt64]?
    /// Open sessions past SETUP (publishers, subscribers, the upstream relay).
    public var sessions = 0
    /// Subscriptions being served now.
    public var subscriptions = 0
    /// Payload bytes of the objects counted in `objectsIn`.
    public var bytesIn = 0
    /// Payload bytes of the objects counted in `objectsOut`.
    public var bytesOut = 0
    /// Subscriber sessions closed because they stayed too far behind (`--slow-subscriber-timeout`).
    public var slowSubscribersClosed = 0

    /// Zero counters.
    public init() {}

    /// Adds a subscriber queue's output: sends, drops by reason, resets.
    public mutating func record(_ output: QueueOutput) {
        objectsOut += output.sends.count
        bytesOut += output.sends.reduce(0) { $0 + $1.object.payload.count }
        droppedByPriority += output.drops.count
        streamsReset += output.resets.count
        for d in output.drops { dropsByReason[d.reason.rawValue, default: 0] += 1 }
    }

    /// Adds a track cache's gauges and counters (call once per cache when writing the report).
    public mutating func add(_ cache: CacheStats) {
        cacheHits += cache.hits
        cacheMisses += cache.misses
        cacheBytes += cache.bytes
        cacheGroups += cache.groups
        cacheObjects += cache.objects
        cacheEvictions += cache.evictions
    }

    /// The JSON document: pretty-printed, keys sorted.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    enum CodingKeys: String, CodingKey {
        case subscribers
        case objectsIn = "objects_in"
        case objectsOut = "objects_out"
        case packetsFastPath = "packets_fast_path"
        case packetsFastPathEncrypted = "packets_fast_path_encrypted"
        case packetsUserSpace = "packets_user_space"
        case ackFramesReceived = "ack_frames_received"
        case droppedByPriority = "dropped_by_priority"
        case retransmittedFastPath = "retransmitted_fast_path"
        case cacheHits = "cache_hits"
        case cacheMisses = "cache_misses"
        case cacheBytes = "cache_bytes"
        case cacheGroups = "cache_groups"
        case cacheObjects = "cache_objects"
        case cacheEvictions = "cache_evictions"
        case streamsReset = "streams_reset"
        case dropsByReason = "drops_by_reason"
        case fastPath = "fast_path"
        case sessions
        case subscriptions
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case slowSubscribersClosed = "slow_subscribers_closed"
    }
}
