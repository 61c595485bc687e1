import MoQT
import MoQTNet
import XCTest
@testable import Relay

/// Track discovery through the networked relay (draft-18 §10.18, §10.19): SUBSCRIBE_NAMESPACE
/// reports namespaces, SUBSCRIBE_TRACKS gets a PUBLISH per relayed track under its prefix, and
/// the subscriber's REQUEST_OK starts delivery from the latest group's first object.
final class RelayDiscoveryTests: XCTestCase {
    private let ns = TrackNamespace(strings: ["disc", "room1"])
    private let prefix = TrackNamespace(strings: ["disc"])
    private let sizes = (i: 700, p: 200, b: 100)

    /// A publisher that announced `ns` and pushed track "video" with PUBLISH.
    private func publishing(on harness: RelayHarness) async throws -> SyntheticPublisher {
        let publisher = try await harness.announcedPublisher(ns)
        try await publisher.publishTrack("video")
        return publisher
    }

    /// Objects of `log` by group, each group's object IDs in arrival order.
    private func objectIDs(_ log: CollectingSubscriber.Log, group: UInt64) -> [UInt64] {
        log.objects.filter { $0.group == group }.map(\.object).sorted()
    }

    func testSubscribeTracksGetsPublishOfARelayedTrackAndItsObjects() async throws {
        let harness = try await RelayHarness()
        let publisher = try await publishing(on: harness)
        for g in 0..<2 { try await publisher.publishGroup(UInt64(g), frames: 9, sizes: sizes) }
        let sub = CollectingSubscriber()
        let (conn, _) = try await harness.connect(sub)
        _ = try await conn.perform { [prefix] in try $0.subscribeNamespace(prefix) }
        let sawNamespace = await eventually { sub.log.namespaces == [TrackNamespace(strings: ["room1"])] }
        XCTAssertTrue(sawNamespace, "NAMESPACE: \(sub.log.namespaces)")
        _ = try await conn.perform { [ns] in try $0.subscribeTracks(ns) }
        let offered = await eventually { sub.log.published == [FullTrackName(namespace: self.ns, name: "video")] }
        XCTAssertTrue(offered, "PUBLISH: \(sub.log.published)")
        // Delivery starts at the latest group's first object, from the cache, then live.
        let joined = await eventually { sub.log.objects.count >= 9 }
        XCTAssertTrue(joined, "objects: \(sub.log.objects.count)")
        try await publisher.publishGroup(2, frames: 9, sizes: sizes)
        let live = await eventually { self.objectIDs(sub.log, group: 2).count == 9 }
        XCTAssertTrue(live)
        let log = sub.log
        XCTAssertEqual(log.objects.first.map { [$0.group, $0.object] }, [1, 0], "the join starts at the latest keyframe")
        XCTAssertEqual(objectIDs(log, group: 1), Array(0..<9))
        XCTAssertEqual(objectIDs(log, group: 2), Array(0..<9))
        XCTAssertFalse(log.objects.contains { $0.group == 0 })
        XCTAssertEqual(Set(log.objects).count, log.objects.count, "no duplicate")
        await harness.close()
    }

    func testTrackPublishedAfterSubscribeTracksIsOfferedThen() async throws {
        let harness = try await RelayHarness()
        let sub = CollectingSubscriber()
        let (conn, _) = try await harness.connect(sub)
        _ = try await conn.perform { [prefix] in try $0.subscribeTracks(prefix) }
        try await Task.sleep(nanoseconds: 100_000_000)
        XCTAssertTrue(sub.log.published.isEmpty)
        let publisher = try await publishing(on: harness)
        let offered = await eventually { sub.log.published.count == 1 }
        XCTAssertTrue(offered)
        try await Task.sleep(nanoseconds: 100_000_000)  // the REQUEST_OK reaches the relay
        try await publisher.publishGroup(0, frames: 5, sizes: sizes)
        let got = await eventually { self.objectIDs(sub.log, group: 0) == Array(0..<5) }
        XCTAssertTrue(got, "objects: \(sub.log.objects.map { [$0.group, $0.object] })")
        // Another prefix is not offered anything.
        let other = CollectingSubscriber()
        let (otherConn, _) = try await harness.connect(other)
        _ = try await otherConn.perform { try $0.subscribeTracks(TrackNamespace(strings: ["elsewhere"])) }
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertTrue(other.log.published.isEmpty)
        await harness.close()
    }

    func testSubscribedTrackIsOfferedToo() async throws {
        // The publisher only announces; the relay learns the track from a subscriber's SUBSCRIBE.
        let harness = try await RelayHarness()
        let publisher = try await harness.announcedPublisher(ns)
        let first = CollectingSubscriber()
        let (firstConn, _) = try await harness.connect(first)
        _ = try await firstConn.perform { [ns] in try $0.subscribe(FullTrackName(namespace: ns, name: "audio")) }
        try await waitUntil { first.log.subscribed }
        let finder = CollectingSubscriber()
        let (finderConn, _) = try await harness.connect(finder)
        _ = try await finderConn.perform { [prefix] in try $0.subscribeTracks(prefix) }
        let offered = await eventually { finder.log.published == [FullTrackName(namespace: self.ns, name: "audio")] }
        XCTAssertTrue(offered, "PUBLISH: \(finder.log.published)")
        // The first subscriber's own SUBSCRIBE_TRACKS offers it nothing it already has.
        _ = try await firstConn.perform { [prefix] in try $0.subscribeTracks(prefix) }
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertTrue(first.log.published.isEmpty)
        try await Task.sleep(nanoseconds: 100_000_000)
        try await publisher.publishGroup(0, frames: 3, sizes: sizes)
        let both = await eventually { first.log.objects.count == 3 && finder.log.objects.count == 3 }
        XCTAssertTrue(both, "first \(first.log.objects.count), finder \(finder.log.objects.count)")
        XCTAssertEqual(publisher.subscriptions.count, 1, "one upstream subscription for both")
        await harness.close()
    }

    func testDiscoveryThroughAChainOfRelays() async throws {
        let a = try await RelayHarness()
        let publisher = try await publishing(on: a)
        let b = try await RelayHarness(upstream: a.url)
        let sub = CollectingSubscriber()
        let (conn, _) = try await b.connect(sub)
        _ = try await conn.perform { [prefix] in try $0.subscribeNamespace(prefix) }
        // Relay B has no publisher: the namespace comes from relay A.
        let sawNamespace = await eventually { sub.log.namespaces == [TrackNamespace(strings: ["room1"])] }
        XCTAssertTrue(sawNamespace, "NAMESPACE via B: \(sub.log.namespaces)")
        _ = try await conn.perform { [ns] in try $0.subscribeTracks(ns) }
        let offered = await eventually { sub.log.published == [FullTrackName(namespace: self.ns, name: "video")] }
        XCTAssertTrue(offered, "PUBLISH via B: \(sub.log.published)")
        try await Task.sleep(nanoseconds: 200_000_000)
        try await publisher.publishGroup(0, frames: 7, sizes: sizes)
        let got = await eventually { self.objectIDs(sub.log, group: 0) == Array(0..<7) }
        XCTAssertTrue(got, "objects via B: \(sub.log.objects.map { [$0.group, $0.object] })")
        // Relay A goes away: what it reported is withdrawn at B.
        await a.close()
        let withdrawn = await eventually { sub.log.namespacesDone == [TrackNamespace(strings: ["room1"])] }
        XCTAssertTrue(withdrawn, "NAMESPACE_DONE via B: \(sub.log.namespacesDone)")
        await b.close()
    }
}
