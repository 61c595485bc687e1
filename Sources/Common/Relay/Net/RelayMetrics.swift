import CoreMetrics
import Prometheus

/// The relay's Prometheus metrics, through swift-metrics with a swift-prometheus backend (its own
/// registry, so no process-wide bootstrap). Refreshed from the relay's counters at each scrape.
final class RelayMetrics {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private var counters: [String: (counter: CoreMetrics.Counter, last: Int)] = [:]
    private var gauges: [String: CoreMetrics.Gauge] = [:]
    /// Per-subscriber gauges currently exported (removed when the subscriber goes).
    private var subscriberLabels: Set<String> = []

    init() { factory = PrometheusMetricsFactory(registry: registry) }

    /// Sets counter `name` (with `dimensions`) to the running total `total`.
    func count(_ name: String, _ total: Int, _ dimensions: [(String, String)] = []) {
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        var entry = counters[key] ?? (CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory), 0)
        if total > entry.last { entry.counter.increment(by: total - entry.last) }
        entry.last = max(entry.last, total)
        counters[key] = entry
    }

    /// Sets gauge `name` (with `dimensions`).
    func gauge(_ name: String, _ value: Double, _ dimensions: [(String, String)] = []) {
        let key = name + dimensions.map { "|\($0.0)=\($0.1)" }.joined()
        let g = gauges[key] ?? CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
        g.record(value)
        gauges[key] = g
    }

    /// Per-subscriber gauges: queue delay and bytes; subscribers no longer present are dropped.
    func subscribers(_ list: [(id: UInt64, queuedBytes: Int, delay: Double)]) {
        let now = Set(list.map { String($0.id) })
        for gone in subscriberLabels.subtracting(now) {
            for name in ["moq_relay_subscriber_queue_delay_seconds", "moq_relay_subscriber_queue_bytes"] {
                let key = name + "|subscriber=\(gone)"
                gauges.removeValue(forKey: key)?.destroy()
            }
        }
        subscriberLabels = now
        for s in list {
            gauge("moq_relay_subscriber_queue_delay_seconds", s.delay, [("subscriber", String(s.id))])
            gauge("moq_relay_subscriber_queue_bytes", Double(s.queuedBytes), [("subscriber", String(s.id))])
        }
    }

    /// The text exposition format.
    func render() -> [UInt8] { registry.emitToBuffer() }
}
