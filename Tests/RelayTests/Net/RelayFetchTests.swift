import MoQT
import MoQTNet
import XCTest
@testable import Relay

/// FETCH through the networked relay: standalone and joining fetches served from the cache, and a
/// relay that lacks the range asking its upstream relay for it.
final class RelayFetchTests: XCTestCase {
    private let ns = TrackNamespace(strings: ["fetch"])
    private var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }
    private let sizes = (i: 900, p: 300, b: 200)

    /// A relay with a publisher that published groups 0...4 (11 objects each) to one live subscriber.
    private func relayWithCachedGroups(_ harness: RelayHarness) async throws -> (SyntheticPublisher, CollectingSubscriber, MoQTConnection, UInt64) {
        let publisher = try await harness.announcedPublisher(ns)
        let live = CollectingSubscriber()
        let (conn, _) = try await harness.connect(live)
        let id = try await conn.perform { [track] in try $0.subscribe(track) }
        try await waitUntil { live.log.subscribed && !publisher.subscriptions.isEmpty }
        for g in 0..<5 { try await publisher.publishGroup(UInt64(g), frames: 11, sizes: sizes) }
        try await waitUntil { live.log.objects.count >= 55 }
        return (publisher, live, conn, id)
    }

    func testStandaloneFetchIsServedFromTheCache() async throws {
        let harness = try await RelayHarness()
        _ = try await relayWithCachedGroups(harness)
        let fetcher = CollectingSubscriber()
        let (conn, _) = try await harness.connect(fetcher)
        // Groups 1 and 2 whole, and group 3 up to object 4 (the wire end is exclusive).
        _ = try await conn.perform { [track] in try $0.fetch(track, start: Location(group: 1, object: 0), end: Location(group: 3, object: 5)) }
        let ended = await eventually { fetcher.log.fetchEnded }
        XCTAssertTrue(ended, "fetch not ended: \(fetcher.log.fetched.count) objects, rejected \(fetcher.log.rejected)")
        let got = fetcher.log.fetched.map { [$0.group, $0.object] }
        let want: [[UInt64]] = (1...2).flatMap { g in (0..<11).map { [UInt64(g), UInt64($0)] } } + (0..<5).map { [UInt64(3), UInt64($0)] }
        XCTAssertEqual(got, want)
        XCTAssertTrue(fetcher.log.fetched.allSatisfy { $0.size == ($0.object == 0 ? sizes.i : ($0.object % 2 == 1 ? sizes.p : sizes.b)) })
        let stats = await harness.relay.currentStats()
        XCTAssertGreaterThanOrEqual(stats.cacheHits, 1)
        await harness.close()
    }

    func testJoiningFetchReturnsThePreviousGroups() async throws {
        let harness = try await RelayHarness()
        let (_, _, conn, subscription) = try await relayWithCachedGroups(harness)
        let fetcher = CollectingSubscriber()
        conn.handler = fetcher
        _ = try await conn.perform { try $0.fetch(range: .relativeJoining(requestID: subscription, groupsBack: 2)) }
        let ended = await eventually { fetcher.log.fetchEnded }
        XCTAssertTrue(ended, "fetch not ended: \(fetcher.log.fetched.count) objects, rejected \(fetcher.log.rejected)")
        // Largest object {4, 10}: groups 2, 3 and 4 through object 10.
        let got = fetcher.log.fetched.map { [$0.group, $0.object] }
        XCTAssertEqual(got, (2...4).flatMap { g in (0..<11).map { [UInt64(g), UInt64($0)] } })
        await harness.close()
    }

    func testFetchOfRangeNotCachedIsForwardedUpstream() async throws {
        let a = try await RelayHarness()
        _ = try await relayWithCachedGroups(a)
        let b = try await RelayHarness(upstream: a.url)
        let fetcher = CollectingSubscriber()
        let (conn, _) = try await b.connect(fetcher)
        _ = try await conn.perform { [track] in try $0.fetch(track, start: Location(group: 0, object: 3), end: Location(group: 2, object: 0)) }
        let ended = await eventually { fetcher.log.fetchEnded }
        XCTAssertTrue(ended, "fetch not ended: \(fetcher.log.fetched.count) objects, rejected \(fetcher.log.rejected)")
        // Group 0 from object 3, groups 1 and 2 (end {2, 0}: the whole end group): relay B has no
        // cache of the track, relay A does.
        let got = fetcher.log.fetched.map { [$0.group, $0.object] }
        let want: [[UInt64]] = (3..<11).map { [UInt64(0), UInt64($0)] } + (1...2).flatMap { g in (0..<11).map { [UInt64(g), UInt64($0)] } }
        XCTAssertEqual(got, want)
        let statsB = await b.relay.currentStats()
        XCTAssertEqual(statsB.cacheMisses, 1)
        await b.close()
        await a.close()
    }

    func testObjectsFetchedUpstreamStayInTheCache() async throws {
        let a = try await RelayHarness()
        let (publisher, _, _, _) = try await relayWithCachedGroups(a)
        // Relay B relays the track for a live subscriber from group 4 (A's latest) on.
        let b = try await RelayHarness(upstream: a.url)
        let live = CollectingSubscriber()
        let (liveConn, _) = try await b.connect(live)
        _ = try await liveConn.perform { [track] in try $0.subscribe(track) }
        try await waitUntil { live.log.subscribed }
        try await publisher.publishGroup(5, frames: 11, sizes: sizes)
        try await waitUntil { live.log.objects.contains { $0.group == 5 } && live.log.objects.count >= 11 }

        func fetchGroups1and2() async throws -> [[UInt64]] {
            let fetcher = CollectingSubscriber()
            let (conn, _) = try await b.connect(fetcher)
            // End {2, 0} on the wire: group 2 whole.
            _ = try await conn.perform { [track] in try $0.fetch(track, start: Location(group: 1, object: 0), end: Location(group: 2, object: 0)) }
            let ended = await eventually { fetcher.log.fetchEnded }
            XCTAssertTrue(ended)
            return fetcher.log.fetched.map { [$0.group, $0.object] }
        }
        let want: [[UInt64]] = (1...2).flatMap { g in (0..<11).map { [UInt64(g), UInt64($0)] } }
        let first = try await fetchGroups1and2()
        XCTAssertEqual(first, want, "first FETCH, through relay A")
        let hitsAAfterFirst = await a.relay.currentStats().cacheHits
        let second = try await fetchGroups1and2()
        XCTAssertEqual(second, want, "second FETCH, from relay B's cache")
        let statsA = await a.relay.currentStats()
        XCTAssertEqual(statsA.cacheHits, hitsAAfterFirst, "relay A was not asked again")
        await b.close()
        await a.close()
    }
}
