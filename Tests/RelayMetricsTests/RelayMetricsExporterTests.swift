import Relay
@testable import RelayMetrics
import XCTest

final class RelayMetricsExporterTests: XCTestCase {
    private func stats() -> RelayStats {
        var s = RelayStats()
        s.sessions = 4
        s.subscriptions = 3
        s.subscribers = 3
        s.objectsIn = 121
        s.objectsOut = 363
        s.bytesIn = 50_000
        s.bytesOut = 150_000
        s.packetsFastPath = 7
        s.packetsUserSpace = 900
        s.droppedByPriority = 12
        s.retransmittedFastPath = 2
        s.cacheHits = 5
        s.cacheMisses = 1
        s.cacheBytes = 40_000
        s.cacheGroups = 2
        s.cacheObjects = 60
        s.cacheEvictions = 9
        s.streamsReset = 4
        s.dropsByReason = ["queue_bytes": 3, "queue_delay": 8, "congestion": 1]
        return s
    }

    func testExpositionHasEveryMetricWithTypeAndValue() async throws {
        let snapshot = stats()
        let exporter = RelayMetricsExporter(snapshot: { snapshot })
        let text = String(decoding: await exporter.scrape(), as: UTF8.self)
        let e = try Exposition(text)

        let gauges: [String: Double] = [
            "moq_relay_sessions": 4, "moq_relay_subscriptions": 3, "moq_relay_cache_bytes": 40_000,
            "moq_relay_cache_groups": 2, "moq_relay_cache_objects": 60,
        ]
        for (name, value) in gauges {
            XCTAssertEqual(e.types[name], "gauge", name)
            XCTAssertEqual(e.value(name), value, name)
            XCTAssertFalse(e.help[name, default: ""].isEmpty, name)
        }
        let counters: [String: Double] = [
            "moq_relay_subscriber_sessions_total": 3, "moq_relay_objects_in_total": 121, "moq_relay_objects_out_total": 363,
            "moq_relay_bytes_in_total": 50_000, "moq_relay_bytes_out_total": 150_000, "moq_relay_dropped_by_priority_total": 12,
            "moq_relay_streams_reset_total": 4, "moq_relay_cache_hits_total": 5, "moq_relay_cache_misses_total": 1,
            "moq_relay_cache_evictions_total": 9, "moq_relay_packets_fast_path_total": 7,
            "moq_relay_packets_user_space_total": 900, "moq_relay_retransmitted_fast_path_total": 2,
        ]
        for (name, value) in counters {
            XCTAssertEqual(e.types[name], "counter", name)
            XCTAssertEqual(e.value(name), value, name)
        }
        XCTAssertEqual(e.types["moq_relay_drops_total"], "counter")
        // Every reason is exported, also the ones without drops yet.
        let drops: [String: Double] = ["queue_bytes": 3, "queue_delay": 8, "congestion": 1, "stale": 0]
        for (reason, value) in drops {
            XCTAssertEqual(e.value("moq_relay_drops_total", ["reason": reason]), value, reason)
        }
        XCTAssertEqual(e.samples.filter { $0.name == "moq_relay_drops_total" }.count, DropReason.allCases.count)
        XCTAssertEqual(e.types["moq_relay_queue_delay_seconds"], "histogram")
        XCTAssertEqual(e.value("moq_relay_queue_delay_seconds_count"), 0)
        XCTAssertEqual(Set(e.types.keys).count, gauges.count + counters.count + 2)
    }

    func testCountersFollowSnapshotsWithoutDoubleCounting() async throws {
        final class Box: @unchecked Sendable { var stats = RelayStats() }
        let box = Box()
        let exporter = RelayMetricsExporter(snapshot: { box.stats })
        box.stats.objectsIn = 10
        box.stats.sessions = 2
        box.stats.dropsByReason = ["stale": 1]
        var e = try Exposition(String(decoding: await exporter.scrape(), as: UTF8.self))
        XCTAssertEqual(e.value("moq_relay_objects_in_total"), 10)
        // A second scrape of the same totals reports the same values.
        e = try Exposition(String(decoding: await exporter.scrape(), as: UTF8.self))
        XCTAssertEqual(e.value("moq_relay_objects_in_total"), 10)
        box.stats.objectsIn = 25
        box.stats.sessions = 1
        box.stats.dropsByReason = ["stale": 4]
        e = try Exposition(String(decoding: await exporter.scrape(), as: UTF8.self))
        XCTAssertEqual(e.value("moq_relay_objects_in_total"), 25)
        XCTAssertEqual(e.value("moq_relay_sessions"), 1)
        XCTAssertEqual(e.value("moq_relay_drops_total", ["reason": "stale"]), 4)
        // A total that went down (a new snapshot source) restarts the counter at its value.
        box.stats.objectsIn = 3
        e = try Exposition(String(decoding: await exporter.scrape(), as: UTF8.self))
        XCTAssertEqual(e.value("moq_relay_objects_in_total"), 3)
    }

    func testQueueDelayHistogramBucketsAreCumulativeInSeconds() async throws {
        let exporter = RelayMetricsExporter(snapshot: { RelayStats() })
        for delay in [0.00005, 0.0015, 0.0015, 0.3, 7.0] { exporter.recordQueueDelay(seconds: delay) }
        exporter.recordQueueDelay(seconds: .nan)  // ignored
        let e = try Exposition(String(decoding: await exporter.scrape(), as: UTF8.self))
        let name = "moq_relay_queue_delay_seconds"
        XCTAssertEqual(e.value(name + "_count"), 5)
        XCTAssertEqual(try XCTUnwrap(e.value(name + "_sum")), 0.00005 + 0.003 + 0.3 + 7.0, accuracy: 1e-6)
        XCTAssertEqual(e.value(name + "_bucket", ["le": "0.0001"]), 1)
        XCTAssertEqual(e.value(name + "_bucket", ["le": "0.001"]), 1)
        XCTAssertEqual(e.value(name + "_bucket", ["le": "0.002"]), 3)
        XCTAssertEqual(e.value(name + "_bucket", ["le": "0.25"]), 3)
        XCTAssertEqual(e.value(name + "_bucket", ["le": "0.5"]), 4)
        XCTAssertEqual(e.value(name + "_bucket", ["le": "2.5"]), 4)
        XCTAssertEqual(e.value(name + "_bucket", ["le": "+Inf"]), 5)
        let buckets = e.samples.filter { $0.name == name + "_bucket" }
        XCTAssertEqual(buckets.count, RelayMetricsExporter.queueDelayBuckets.count + 1)
        XCTAssertEqual(buckets.map(\.value), buckets.map(\.value).sorted(), "cumulative buckets never decrease")
    }

    func testExpositionParserRejectsGarbage() {
        XCTAssertThrowsError(try Exposition("moq_relay_x{reason=\"a\" 1\n"))
        XCTAssertThrowsError(try Exposition("moq relay 1\n"))
        XCTAssertThrowsError(try Exposition("# TYPE moq_relay_x bogus\n"))
        XCTAssertNoThrow(try Exposition("# TYPE a counter\na{b=\"c\\\"d\"} 1\n"))
    }
}
