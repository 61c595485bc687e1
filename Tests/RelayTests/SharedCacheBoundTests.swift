import MoQT
import XCTest
@testable import Relay

/// One byte bound for all the tracks' caches (`moq-relay --cache-bytes`, `SharedCacheBound`).
final class SharedCacheBoundTests: XCTestCase {
    final class Box: TrackCacheHolder {
        var cache: TrackCache
        init(_ bytes: Int) { cache = TrackCache(configuration: .init(cacheSeconds: 1e9, cacheBytes: bytes)) }
    }

    /// Fifty tracks each under its own bound, fed group after group as a relay would (the shared
    /// bound enforced after every insert): the sum never exceeds the bound, every track keeps its
    /// latest group whole while older groups exist anywhere, and the groups evicted are the oldest.
    func testManyTracksStayWithinOneBoundAndKeepTheirLatestGroups() {
        let bound = 50_000
        let tracks = (0..<50).map { _ in Box(bound) }  // each alone may hold the whole bound
        var t = 0.0
        var peak = 0
        for g in UInt64(0)..<6 {
            for (k, track) in tracks.enumerated() {
                for o in UInt64(0)..<4 {
                    t += 0.001
                    let r = track.cache.insert(obj(g, o, bytes: 200, at: .seconds(t)), now: .seconds(t))
                    XCTAssertEqual(r, .inserted, "track \(k) group \(g) object \(o)")
                    let out = SharedCacheBound.enforce(tracks, bound: bound)
                    XCTAssertLessThanOrEqual(out.bytes, bound)
                    XCTAssertEqual(out.bytes, SharedCacheBound.bytes(of: tracks))
                    peak = max(peak, out.bytes)
                }
            }
        }
        XCTAssertGreaterThan(peak, bound - 800, "the bound is used, not undershot")
        // 50 latest groups of 800 bytes = 40,000 bytes fit: each track holds its latest group whole.
        for (k, track) in tracks.enumerated() {
            XCTAssertEqual(track.cache.latestGroupID, 5, "track \(k)")
            XCTAssertEqual(track.cache.objects(inGroup: 5).map(\.objectID), [0, 1, 2, 3], "track \(k)'s latest group is whole")
        }
        // What is left besides them is the newest of the older groups: group 4 of the tracks fed last.
        let older = tracks.enumerated().filter { $0.element.cache.cachedGroupIDs.count > 1 }.map(\.offset)
        XCTAssertFalse(older.isEmpty)
        XCTAssertEqual(older, Array((50 - older.count)..<50), "the older groups kept are those that arrived last")
        for k in older { XCTAssertEqual(tracks[k].cache.cachedGroupIDs, [4, 5]) }
        // Without the shared bound each track would have held all of its 4,800 bytes: 240,000 in all.
        let stats = tracks.reduce(into: CacheStats()) { s, b in s.evictionsByBytes += b.cache.stats.evictionsByBytes }
        XCTAssertEqual(stats.evictionsByBytes, 50 * 6 - 50 - older.count)
    }

    /// Latest groups alone over the bound: the largest is trimmed first (its oldest objects), and
    /// the sum still ends at or under the bound, even when that leaves a track with no object.
    func testOnlyLatestGroupsLeftTheLargestIsTrimmedFirst() {
        let a = Box(1 << 20), b = Box(1 << 20), c = Box(1 << 20)
        for o in UInt64(0)..<10 { a.cache.insert(obj(0, o, bytes: 100), now: .zero) }  // 1,000
        for o in UInt64(0)..<3 { b.cache.insert(obj(7, o, bytes: 100), now: .zero) }   // 300
        c.cache.insert(obj(2, 0, bytes: 100), now: .zero)                             // 100
        let out = SharedCacheBound.enforce([a, b, c], bound: 900)
        XCTAssertEqual(out.bytes, 900)
        XCTAssertEqual(out.groupsEvicted, 0)
        XCTAssertEqual(out.objectsTrimmed, 5)
        XCTAssertEqual(a.cache.objects(inGroup: 0).map(\.objectID), Array(5..<10), "a's oldest objects went")
        XCTAssertEqual(b.cache.stats.bytes, 300)
        XCTAssertEqual(c.cache.stats.bytes, 100)
        // Far below what the latest groups hold: trimmed round the largest until it fits.
        let out2 = SharedCacheBound.enforce([a, b, c], bound: 150)
        XCTAssertLessThanOrEqual(out2.bytes, 150)
        XCTAssertEqual(out2.bytes, a.cache.stats.bytes + b.cache.stats.bytes + c.cache.stats.bytes)
        // A track trimmed to nothing keeps its group: later objects of it are still taken.
        let emptied = [a, b, c].first { $0.cache.stats.objects == 0 }
        XCTAssertNotNil(emptied)
        if let e = emptied, let g = e.cache.latestGroupID {
            XCTAssertEqual(e.cache.insert(obj(g, 50, bytes: 10), now: .zero), .inserted)
        }
        // A bound of 0 empties every cache without failing.
        XCTAssertEqual(SharedCacheBound.enforce([a, b, c], bound: 0).bytes, 0)
    }

    /// Older groups go before any latest group is touched, oldest arrival first across tracks.
    func testOlderGroupsOfAnyTrackGoBeforeLatestGroups() {
        let a = Box(1 << 20), b = Box(1 << 20)
        a.cache.insert(obj(0, 0, bytes: 100, at: .seconds(1)), now: .seconds(1))
        b.cache.insert(obj(0, 0, bytes: 100, at: .seconds(2)), now: .seconds(2))
        a.cache.insert(obj(1, 0, bytes: 100, at: .seconds(3)), now: .seconds(3))
        b.cache.insert(obj(1, 0, bytes: 100, at: .seconds(4)), now: .seconds(4))
        a.cache.insert(obj(2, 0, bytes: 500, at: .seconds(5)), now: .seconds(5))
        // 900 bytes, bound 600: a's group 0 (1 s), b's group 0 (2 s), a's group 1 (3 s) go.
        let out = SharedCacheBound.enforce([a, b], bound: 600)
        XCTAssertEqual(out.groupsEvicted, 3)
        XCTAssertEqual(out.objectsTrimmed, 0)
        XCTAssertEqual(a.cache.cachedGroupIDs, [2])
        XCTAssertEqual(b.cache.cachedGroupIDs, [1])
        XCTAssertEqual(out.bytes, 600)
        // Evicted groups are refused afterwards, as with the per-track bound.
        XCTAssertEqual(a.cache.insert(obj(1, 1), now: .seconds(6)), .tooOld)
    }
}
