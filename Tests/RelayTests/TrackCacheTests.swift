import MoQT
import XCTest
@testable import Relay
import TestSupport

final class TrackCacheTests: XCTestCase {
    func testEvictsGroupsOlderThanTheAgeBoundButNeverTheLatest() {
        var cache = TrackCache(configuration: .init(cacheSeconds: 5, cacheBytes: 1 << 30))
        for g in UInt64(0)..<5 {
            for o in UInt64(0)..<3 {
                let t = RelayTime.seconds(Double(g) * 2 + Double(o) * 0.1)
                cache.insert(obj(g, o, at: t), now: t)
            }
        }
        // Inserting at 8.2 s already evicted groups whose newest object is before 3.2 s.
        XCTAssertEqual(cache.cachedGroupIDs, [2, 3, 4])
        // Group 4's newest object is at 8.2 s; at 12 s the horizon is 7 s.
        let evicted = cache.evict(now: .seconds(12))
        XCTAssertEqual(evicted, [2, 3], "groups whose newest object is before 7 s go; group 4 (latest) stays")
        XCTAssertEqual(cache.cachedGroupIDs, [4])
        // Long after, the latest group still stays.
        XCTAssertEqual(cache.evict(now: .seconds(1000)), [])
        XCTAssertEqual(cache.latestGroupID, 4)
        XCTAssertEqual(cache.stats.groups, 1)
        XCTAssertEqual(cache.stats.objects, 3)
        XCTAssertEqual(cache.stats.evictions, 4)
        XCTAssertEqual(cache.stats.evictionsByAge, 4)
        XCTAssertEqual(cache.stats.bytes, 30)
    }

    func testAgeIsMeasuredFromAGroupsNewestObject() {
        var cache = TrackCache(configuration: .init(cacheSeconds: 5, cacheBytes: 1 << 30))
        cache.insert(obj(0, 0, at: .seconds(0)), now: .seconds(0))
        cache.insert(obj(1, 0, at: .seconds(1)), now: .seconds(1))
        // A late object of group 0 (another subgroup) refreshes it.
        cache.insert(obj(0, 1, sg: 1, at: .seconds(4)), now: .seconds(4))
        XCTAssertEqual(cache.evict(now: .seconds(8)), [], "group 0's newest object is 4 s old")
        XCTAssertEqual(cache.evict(now: .seconds(9.5)), [0])
    }

    func testEvictsOldestGroupsOverTheByteBoundButNeverTheLatest() {
        var cache = TrackCache(configuration: .init(cacheSeconds: 1000, cacheBytes: 1000))
        for g in UInt64(0)..<3 { for o in UInt64(0)..<4 { cache.insert(obj(g, o, bytes: 100), now: .zero) } }
        // 1,200 bytes > 1,000: group 0 goes.
        XCTAssertEqual(cache.cachedGroupIDs, [1, 2])
        XCTAssertEqual(cache.stats.bytes, 800)
        XCTAssertEqual(cache.stats.evictionsByBytes, 1)
        // A latest group alone over the bound stays, its oldest objects trimmed to the bound.
        for o in UInt64(0)..<15 { cache.insert(obj(3, o, bytes: 100), now: .zero) }
        XCTAssertEqual(cache.cachedGroupIDs, [3])
        XCTAssertEqual(cache.stats.bytes, 1000)
        XCTAssertEqual(cache.latestGroupObjects().map(\.objectID), Array(5..<15))
        XCTAssertEqual(cache.stats.objectsTrimmed, 5)
        // Objects of evicted groups are not stored again.
        XCTAssertEqual(cache.insert(obj(1, 9), now: .zero), .tooOld)
        XCTAssertFalse(cache.contains(Location(group: 1, object: 9)))
    }

    func testOutOfOrderSubgroupsAndInterleavedObjects() {
        var cache = TrackCache()
        let group = mediaGroup(7, frames: 12)
        var rng = SeededGenerator(seed: 42)
        // Per-subgroup order kept, subgroups interleaved at random, B's subgroup starting first.
        var lanes = [2, 1, 0].map { sg in group.filter { $0.subgroup == UInt64(sg) } }
        var arrival: [RelayObject] = []
        while lanes.contains(where: { !$0.isEmpty }) {
            let nonEmpty = lanes.indices.filter { !lanes[$0].isEmpty }
            let k = arrival.isEmpty ? 0 : nonEmpty[Int(rng.next() % UInt64(nonEmpty.count))]
            arrival.append(lanes[k].removeFirst())
        }
        XCTAssertEqual(arrival.first?.subgroup, 2)
        for o in arrival { XCTAssertEqual(cache.insert(o, now: .zero), .inserted) }
        XCTAssertEqual(cache.insert(arrival[3], now: .zero), .duplicate)
        XCTAssertEqual(cache.stats.duplicates, 1)
        XCTAssertEqual(cache.objects(inGroup: 7).map(\.objectID), Array(0..<12))
        let latest = cache.latestGroupObjects()
        XCTAssertEqual(latest.first?.location, Location(group: 7, object: 0), "a join starts at the group's first object")
        XCTAssertEqual(latest, group)
        let subgroups = cache.subgroups(inGroup: 7)
        XCTAssertEqual(subgroups[.subgroup(0)], [0])
        XCTAssertEqual(subgroups[.subgroup(1)], [1, 4, 7, 10])
        XCTAssertEqual(subgroups[.subgroup(2)], [2, 3, 5, 6, 8, 9, 11])
        XCTAssertEqual(cache.largestLocation, Location(group: 7, object: 11))
    }

    func testFetchFullyHeldRange() {
        var cache = TrackCache()
        for g in UInt64(3)...5 {
            for o in UInt64(0)..<4 { cache.insert(obj(g, o), now: .zero) }
            cache.insert(obj(g, 4, status: .endOfGroup), now: .zero)
        }
        // Wire end {5, 2}: through object 1 of group 5.
        var span = FetchSpan(start: Location(group: 3, object: 2), wireEnd: Location(group: 5, object: 2))
        var answer = cache.fetch(span)
        XCTAssertTrue(answer.isFullyHeld, "\(answer.missing)")
        XCTAssertEqual(answer.objects.map(\.location), [
            Location(group: 3, object: 2), Location(group: 3, object: 3), Location(group: 3, object: 4),
            Location(group: 4, object: 0), Location(group: 4, object: 1), Location(group: 4, object: 2),
            Location(group: 4, object: 3), Location(group: 4, object: 4),
            Location(group: 5, object: 0), Location(group: 5, object: 1),
        ])
        // Object 0 in the wire end means the whole end group, including its end-of-group marker.
        span = FetchSpan(start: Location(group: 4, object: 0), wireEnd: Location(group: 5, object: 0))
        answer = cache.fetch(span, order: .descending)
        XCTAssertTrue(answer.isFullyHeld)
        XCTAssertEqual(answer.objects.map(\.group), [5, 5, 5, 5, 5, 4, 4, 4, 4, 4], "descending group order, objects ascending")
        XCTAssertEqual(answer.objects.map(\.objectID), [0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
        XCTAssertEqual(answer.objects.last?.status, .endOfGroup)
        XCTAssertEqual(cache.stats.hits, 2)
        XCTAssertEqual(cache.stats.misses, 0)
    }

    func testFetchReportsWhatIsNotHeld() {
        var cache = TrackCache()
        for o in UInt64(0)..<3 { cache.insert(obj(10, o), now: .zero) }
        cache.markGroupComplete(10)
        // Group 11 is missing entirely; group 12 lacks object 1 and its end is unknown.
        cache.insert(obj(12, 0), now: .zero)
        cache.insert(obj(12, 2), now: .zero)
        let span = FetchSpan(start: Location(group: 8, object: 0), endGroup: 12, endObject: nil)
        XCTAssertFalse(cache.holds(span))
        let answer = cache.fetch(span)
        XCTAssertFalse(answer.isFullyHeld)
        XCTAssertEqual(answer.objects.map(\.location), [
            Location(group: 10, object: 0), Location(group: 10, object: 1), Location(group: 10, object: 2),
            Location(group: 12, object: 0), Location(group: 12, object: 2),
        ], "what is held is still served")
        XCTAssertEqual(answer.missing, [
            FetchSpan(start: Location(group: 8, object: 0), endGroup: 9, endObject: nil),
            FetchSpan(start: Location(group: 11, object: 0), endGroup: 11, endObject: nil),
            FetchSpan(start: Location(group: 12, object: 1), endGroup: 12, endObject: 1),
            FetchSpan(start: Location(group: 12, object: 3), endGroup: 12, endObject: nil),
        ])
        XCTAssertEqual(cache.stats.misses, 1)
        // The complete group alone is held; a range ending inside group 12 before the gap too.
        XCTAssertTrue(cache.holds(FetchSpan(start: Location(group: 10, object: 1), endGroup: 10, endObject: nil)))
        XCTAssertTrue(cache.holds(FetchSpan(start: Location(group: 12, object: 0), endGroup: 12, endObject: 0)))
        XCTAssertFalse(cache.holds(FetchSpan(start: Location(group: 12, object: 0), endGroup: 12, endObject: 2)))
        // Past the largest object of a group whose end is unknown: not held.
        XCTAssertFalse(cache.holds(FetchSpan(start: Location(group: 12, object: 2), endGroup: 12, endObject: 5)))
    }

    func testEvictedGroupsAreNotHeld() {
        var cache = TrackCache(configuration: .init(cacheSeconds: 1, cacheBytes: 1 << 30))
        for g in UInt64(0)..<3 {
            cache.insert(obj(g, 0, at: .seconds(Double(g) * 2)), now: .seconds(Double(g) * 2))
            cache.markGroupComplete(g)
        }
        XCTAssertEqual(cache.cachedGroupIDs, [2])
        XCTAssertEqual(cache.missing(in: FetchSpan(start: .zero, endGroup: 2, endObject: nil)),
                       [FetchSpan(start: .zero, endGroup: 1, endObject: nil)])
    }

    func testJoiningFetchSpans() {
        var cache = TrackCache()
        for g in UInt64(0)..<6 { for o in UInt64(0)..<3 { cache.insert(obj(g, o), now: .zero) }; cache.markGroupComplete(g) }
        let largest = cache.largestLocation!
        XCTAssertEqual(largest, Location(group: 5, object: 2))
        // Relative: two groups back from the largest location, through it.
        let relative = FetchSpan.relativeJoining(groupsBack: 2, largest: largest)
        XCTAssertEqual(relative, FetchSpan(start: Location(group: 3, object: 0), endGroup: 5, endObject: 2))
        var answer = cache.fetch(relative)
        XCTAssertTrue(answer.isFullyHeld)
        XCTAssertEqual(answer.objects.count, 9)
        XCTAssertEqual(answer.objects.first?.location, Location(group: 3, object: 0))
        XCTAssertEqual(answer.objects.last?.location, largest)
        // Counting back past group 0 saturates.
        XCTAssertEqual(FetchSpan.relativeJoining(groupsBack: 99, largest: largest).start, .zero)
        // Absolute from group 4.
        answer = cache.fetch(FetchSpan.absoluteJoining(startGroup: 4, largest: largest))
        XCTAssertEqual(answer.objects.count, 6)
        XCTAssertTrue(answer.isFullyHeld)
        // An empty span is trivially held.
        XCTAssertTrue(FetchSpan(start: Location(group: 5, object: 2), endGroup: 5, endObject: 1).isEmpty)
        XCTAssertTrue(cache.fetch(FetchSpan(start: Location(group: 5, object: 2), endGroup: 5, endObject: 1)).objects.isEmpty)
    }

    func testJoinStartPerFilter() {
        var cache = TrackCache()
        XCTAssertEqual(cache.joinStart(for: .largestObject), .zero)
        for o in UInt64(0)..<4 { cache.insert(obj(9, o), now: .zero) }
        XCTAssertEqual(cache.joinStart(for: .largestObject), Location(group: 9, object: 4))
        XCTAssertEqual(cache.joinStart(for: .nextGroupStart), Location(group: 10, object: 0))
        XCTAssertEqual(cache.joinStart(for: .absoluteStart(Location(group: 3, object: 1))), Location(group: 3, object: 1))
        XCTAssertEqual(cache.joinStart(for: .absoluteRange(start: Location(group: 4, object: 0), endGroupDelta: 2)), Location(group: 4, object: 0))
        var plan = cache.joinPlan(startingAt: cache.joinStart(for: .largestObject))
        XCTAssertNil(plan.next(), "nothing cached at or after the largest object's successor")
        XCTAssertEqual(cache.stats.misses, 1)
    }

    func testStatsCountHitsAndMisses() {
        var cache = TrackCache()
        XCTAssertTrue(cache.latestGroupObjects().isEmpty)
        XCTAssertEqual(cache.stats.misses, 1)
        cache.insert(obj(1, 0), now: .zero)
        _ = cache.latestGroupObjects()
        _ = cache.fetch(FetchSpan(start: .zero, endGroup: 1, endObject: 0))
        XCTAssertEqual(cache.stats.hits, 1)
        XCTAssertEqual(cache.stats.misses, 2, "group 0 is not held")
        XCTAssertEqual(cache.stats.objectsServed, 2)
    }

    func testRelayObjectKeepsPropertiesOpaqueAndRoundTrips() throws {
        let track = TrackObject(location: Location(group: 2, object: 5), forwarding: .subgroup(1), publisherPriority: 2,
                                properties: [KeyValuePair(type: 0x0D, bytes: [1, 2, 3]), KeyValuePair(type: 0x10, integer: 1_700_000_000_000_000)],
                                payload: [9, 9, 9])
        let relayed = RelayObject(track, arrival: .seconds(1))
        XCTAssertFalse(relayed.properties.isEmpty)
        XCTAssertEqual(relayed.byteCount, 3 + relayed.properties.count)
        XCTAssertEqual(try relayed.trackObject(), track)
    }
}
