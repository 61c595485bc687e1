import MoQT
import MoQTNet
import XCTest
@testable import Relay

/// A track whose objects travel as OBJECT_DATAGRAMs (draft-18 §11.3) is relayed as datagrams,
/// cached, and replayed to a late joiner as datagrams.
final class RelayDatagramTests: XCTestCase {
    private let ns = TrackNamespace(strings: ["dgram"])

    func testDatagramObjectsAreRelayedAndCachedAsDatagrams() async throws {
        let harness = try await RelayHarness()
        let publisher = try await harness.announcedPublisher(ns)
        let live = CollectingSubscriber()
        let (liveConn, _) = try await harness.connect(live)
        _ = try await liveConn.perform { [ns] in try $0.subscribe(FullTrackName(namespace: ns, name: "sensor")) }
        try await waitUntil { live.log.subscribed && !publisher.subscriptions.isEmpty }
        for g in 0..<3 {
            try await publisher.publishDatagrams(UInt64(g), count: 10, size: 300)
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        // Loopback without loss: every datagram arrives.
        let all = await eventually { live.log.objects.count == 30 }
        XCTAssertTrue(all, "live subscriber got \(live.log.objects.count) of 30")
        let got = live.log.objects
        XCTAssertTrue(got.allSatisfy { $0.subgroup == nil && $0.priority == 3 && $0.size == 300 }, "datagrams, priority kept: \(got.prefix(3))")
        XCTAssertEqual(Set(got.map { [$0.group, $0.object] }), Set((0..<3).flatMap { g in (0..<10).map { [UInt64(g), UInt64($0)] } }))
        // A late joiner gets the latest group from the cache, as datagrams.
        let late = CollectingSubscriber()
        let (lateConn, _) = try await harness.connect(late)
        _ = try await lateConn.perform { [ns] in try $0.subscribe(FullTrackName(namespace: ns, name: "sensor")) }
        let joined = await eventually { late.log.objects.count == 10 }
        XCTAssertTrue(joined, "late joiner got \(late.log.objects.map { [$0.group, $0.object] })")
        XCTAssertEqual(late.log.objects.map(\.group), Array(repeating: 2, count: late.log.objects.count))
        XCTAssertTrue(late.log.objects.allSatisfy { $0.subgroup == nil })
        let stats = await harness.relay.currentStats()
        XCTAssertEqual(stats.objectsIn, 30)
        XCTAssertEqual(stats.objectsOut, 40)
        await harness.close()
    }
}
