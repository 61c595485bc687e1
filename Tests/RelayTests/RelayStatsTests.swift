import Foundation
import MoQT
import XCTest
@testable import Relay

final class RelayStatsTests: XCTestCase {
    func testJSONHasTheContractKeysInSnakeCase() throws {
        var stats = RelayStats()
        stats.subscribers = 3
        stats.objectsIn = 100
        stats.packetsFastPath = 40
        stats.packetsUserSpace = 60
        stats.retransmittedFastPath = 2
        var q = SubscriberQueue(configuration: .init(maxBytes: 100))
        q.addSubscription(SubscriptionContext(id: 1, trackAlias: 1))
        q.enqueue(obj(1, 0, sg: 0, prio: 1, bytes: 80), subscription: 1, now: .zero)
        q.enqueue(obj(1, 1, sg: 1, prio: 3, bytes: 80), subscription: 1, now: .zero)
        stats.record(q.poll(now: .zero))
        var cache = TrackCache()
        cache.insert(obj(1, 0), now: .zero)
        _ = cache.latestGroupObjects()
        stats.add(cache.stats)

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: stats.jsonData()) as? [String: Any])
        for key in ["subscribers", "objects_in", "objects_out", "packets_fast_path", "packets_user_space",
                    "dropped_by_priority", "retransmitted_fast_path", "cache_hits", "cache_misses", "cache_bytes",
                    "cache_groups", "cache_objects", "cache_evictions", "streams_reset", "drops_by_reason"] {
            XCTAssertNotNil(json[key], "missing \(key)")
        }
        XCTAssertEqual(json["subscribers"] as? Int, 3)
        XCTAssertEqual(json["objects_out"] as? Int, 1)
        XCTAssertEqual(json["dropped_by_priority"] as? Int, 1)
        XCTAssertEqual(json["streams_reset"] as? Int, 1)
        XCTAssertEqual(json["cache_hits"] as? Int, 1)
        XCTAssertEqual(json["cache_bytes"] as? Int, 10)
        XCTAssertEqual((json["drops_by_reason"] as? [String: Int])?["queue_bytes"], 1)
        XCTAssertEqual(try JSONDecoder().decode(RelayStats.self, from: stats.jsonData()), stats)
    }
}
