import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus
import Relay

/// moq-relay's Prometheus metrics (`--metrics`): the relay's counters and gauges, read from a
/// `RelayStats` snapshot at every scrape, plus the queue-delay histogram, fed through
/// swift-metrics as objects leave their subscriber queues.
///
/// Names (prefix `moq_relay_`): gauges `sessions`, `subscriptions`, `cache_bytes`, `cache_groups`,
/// `cache_objects`; counters `subscriber_sessions_total`, `objects_in_total`, `objects_out_total`,
/// `bytes_in_total`, `bytes_out_total`, `drops_total{reason}`, `dropped_by_priority_total`,
/// `streams_reset_total`, `cache_hits_total`, `cache_misses_total`, `cache_evictions_total`,
/// `packets_fast_path_total`, `packets_user_space_total`, `retransmitted_fast_path_total`;
/// histogram `queue_delay_seconds`.
public final class RelayMetricsExporter: Sendable {
    /// The registry every metric lives in (its `emit(into:)` writes the exposition text).
    public let registry: PrometheusCollectorRegistry
    /// The swift-metrics factory on `registry` (the queue-delay `Timer` is made with it; the
    /// executable may bootstrap `MetricsSystem` with it).
    public let factory: PrometheusMetricsFactory
    private let snapshot: @Sendable () async -> RelayStats
    private let gauges: [(gauge: Prometheus.Gauge, value: @Sendable (RelayStats) -> Int)]
    private let counters: [(counter: Prometheus.Counter, value: @Sendable (RelayStats) -> Int)]
    private let queueDelay: CoreMetrics.Timer
    /// Counter values already reported, by metric (serialises scrapes too).
    private let reported = NIOLockedValueBox<[ObjectIdentifier: Int]>([:])

    /// The queue-delay histogram's name.
    public static let queueDelayName = "moq_relay_queue_delay_seconds"
    /// The queue-delay histogram's buckets: 100 µs to 2.5 s (the relay's queues drop past 1 s).
    public static let queueDelayBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
    ]

    /// Metrics read from `snapshot()` at every scrape (e.g. `RelayServer.currentStats`).
    public init(snapshot: @escaping @Sendable () async -> RelayStats) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Self.queueDelayName] = Self.queueDelayBuckets
        self.registry = registry
        self.factory = factory
        self.snapshot = snapshot

        func gauge(_ name: String, _ help: String, _ value: @escaping @Sendable (RelayStats) -> Int)
            -> (gauge: Prometheus.Gauge, value: @Sendable (RelayStats) -> Int) {
            (registry.makeGauge(name: "moq_relay_" + name, labels: [], help: help), value)
        }
        func counter(_ name: String, _ help: String, labels: [(String, String)] = [], _ value: @escaping @Sendable (RelayStats) -> Int)
            -> (counter: Prometheus.Counter, value: @Sendable (RelayStats) -> Int) {
            (registry.makeCounter(name: "moq_relay_" + name, labels: labels, help: help), value)
        }
        gauges = [
            gauge("sessions", "Open MoQT sessions: publishers, subscribers, the upstream relay.") { $0.sessions },
            gauge("subscriptions", "Subscriptions being served.") { $0.subscriptions },
            gauge("cache_bytes", "Bytes (payload and properties) in the track caches.") { $0.cacheBytes },
            gauge("cache_groups", "Groups in the track caches.") { $0.cacheGroups },
            gauge("cache_objects", "Objects in the track caches.") { $0.cacheObjects },
        ]
        let dropsHelp = "Objects dropped on purpose for a subscriber, by reason."
        counters = [
            counter("subscriber_sessions_total", "Sessions that had a subscription accepted.") { $0.subscribers },
            counter("objects_in_total", "Objects received from upstream (duplicates and status objects not counted).") { $0.objectsIn },
            counter("objects_out_total", "Objects sent to subscribers, every copy counted.") { $0.objectsOut },
            counter("bytes_in_total", "Payload bytes of the objects received from upstream.") { $0.bytesIn },
            counter("bytes_out_total", "Payload bytes of the objects sent to subscribers.") { $0.bytesOut },
        ] + DropReason.allCases.map { reason in
            counter("drops_total", dropsHelp, labels: [("reason", reason.rawValue)]) { $0.dropsByReason[reason.rawValue] ?? 0 }
        } + [
            counter("dropped_by_priority_total", "Objects dropped on purpose for a subscriber, every reason.") { $0.droppedByPriority },
            counter("streams_reset_total", "Subgroup streams reset because of drops.") { $0.streamsReset },
            counter("cache_hits_total", "Joins and fetches answered in full from the cache.") { $0.cacheHits },
            counter("cache_misses_total", "Joins and fetches the cache could not answer in full.") { $0.cacheMisses },
            counter("cache_evictions_total", "Groups evicted from the caches.") { $0.cacheEvictions },
            counter("packets_fast_path_total", "Packets forwarded by the kernel fast path.") { $0.packetsFastPath },
            counter("packets_user_space_total", "Packets sent by user space.") { $0.packetsUserSpace },
            counter("retransmitted_fast_path_total", "Fast-path packets lost and retransmitted by user space.") { $0.retransmittedFastPath },
        ]
        queueDelay = CoreMetrics.Timer(label: Self.queueDelayName, dimensions: [], factory: factory)
    }

    /// Records one object's queue delay (seconds from entering its subscriber queue to being sent).
    /// Cheap and thread-safe: the relay calls it on its event loop for every object it sends.
    public func recordQueueDelay(seconds: Double) {
        guard seconds.isFinite else { return }
        queueDelay.recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }

    /// Sets every gauge and counter from `stats`. Counters follow the snapshot's totals: each
    /// grows by the difference to what was reported before (and restarts from zero if a total
    /// ever went down).
    public func update(from stats: RelayStats) {
        for g in gauges { g.gauge.set(Int64(g.value(stats))) }
        reported.withLockedValue { reported in
            for c in counters {
                let id = ObjectIdentifier(c.counter)
                let value = c.value(stats)
                let before = reported[id] ?? 0
                if value < before {
                    c.counter.reset()
                    c.counter.increment(by: Int64(value))
                } else if value > before {
                    c.counter.increment(by: Int64(value - before))
                }
                reported[id] = value
            }
        }
    }

    /// Polls the snapshot and returns the exposition text (format 0.0.4).
    public func scrape() async -> [UInt8] {
        update(from: await snapshot())
        return registry.emitToBuffer()
    }

    /// The `Content-Type` of `scrape()`'s text.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
