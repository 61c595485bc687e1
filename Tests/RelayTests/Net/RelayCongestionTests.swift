import MoQT
import MoQTNet
import QUICIO
import NIOConcurrencyHelpers
import XCTest
@testable import Relay

/// The drop policy on the network path: a subscriber that stops reading (its flow-control credit
/// runs out) loses B, then P objects, an I object only with its whole group; the relay resets the
/// dropped streams with DELIVERY_TIMEOUT / TOO_FAR_BEHIND and its queue stays bounded.
final class RelayCongestionTests: XCTestCase {
    func testStalledSubscriberLosesBAndPBeforeIWithResets() async throws {
        let queue = SubscriberQueue.Configuration(maxBytes: 512 << 10, maxDelay: 1)
        let harness = try await RelayHarness(queue: queue)
        let drops = NIOLockedValueBox<[(DroppedObject, RelayTime)]>([])
        try await harness.onLoop { harness.relay.onDrops = { list, now in drops.withLockedValue { $0 += list.map { ($0, now) } } } }

        let ns = TrackNamespace(strings: ["cong"])
        let publisher = try await harness.announcedPublisher(ns)

        let subscriber = CollectingSubscriber()
        let (subConn, gateOpt) = try await harness.connect(subscriber, window: 256 << 10, throttle: true)
        let gate = try XCTUnwrap(gateOpt)
        _ = try await subConn.perform { try $0.subscribe(FullTrackName(namespace: ns, name: "video")) }
        try await waitUntil { subscriber.log.subscribed && !publisher.subscriptions.isEmpty }

        // 6.7 Mbit/s: one group (I 24 KB, 5 P and 5 B of 6 KB) every 100 ms for 2.6 s. The
        // subscriber reads the first 4 groups, stops reading for 1.4 s, then reads again.
        let sizes = (i: 24_000, p: 6_000, b: 6_000)
        var pausedAt: RelayTime?
        for g in 0..<26 {
            if g == 4 {
                try await subConn.eventLoop.submit { gate.pause() }.get()
                pausedAt = RelayTime(nanoseconds: MonotonicClock.now().nanoseconds)
            }
            if g == 18 { try await subConn.eventLoop.submit { gate.resume() }.get() }
            try await publisher.publishGroup(UInt64(g), frames: 11, sizes: sizes)
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try await publisher.finish()
        let finished = await eventually(timeout: 15) { subscriber.log.finished }
        let dropped = drops.withLockedValue { $0 }
        let log = subscriber.log
        let stats = await harness.relay.currentStats()
        XCTAssertTrue(finished, "no PUBLISH_DONE/end: \(log.objects.count) objects, \(log.resets.count) resets, relay \(stats)")
        XCTAssertFalse(dropped.isEmpty, "a subscriber that stopped reading had nothing dropped")
        // Detected within about a second of the stall.
        if let first = dropped.first?.1, let paused = pausedAt {
            XCTAssertLessThan(first.seconds(since: paused), 1.2, "first drop \(first.seconds(since: paused)) s after the stall")
        }
        // Least important first: the first drop is never an I object (a B, or a P when the expired
        // unit held no B — the delay bound only considers units holding an expired object, which
        // depends on scheduling), and B ≥ P ≥ I in dropped counts.
        XCTAssertNotEqual(dropped.first?.0.publisherPriority, 0)
        let byPriority = Dictionary(grouping: dropped, by: { $0.0.publisherPriority }).mapValues(\.count)
        XCTAssertGreaterThanOrEqual(byPriority[2, default: 0], byPriority[1, default: 0], "\(byPriority)")
        XCTAssertGreaterThanOrEqual(byPriority[1, default: 0], byPriority[0, default: 0], "\(byPriority)")
        // An I object is dropped only with everything else of its group (the group is skipped).
        let droppedI = Set(dropped.filter { $0.0.publisherPriority == 0 }.map(\.0.location.group))
        for g in droppedI {
            XCTAssertFalse(log.objects.contains { $0.group == g }, "group \(g) lost its I object but delivered others")
        }
        // Every dropped stream the subscriber heard of was reset with DELIVERY_TIMEOUT or TOO_FAR_BEHIND.
        XCTAssertFalse(log.resets.isEmpty, "no RESET_STREAM reached the subscriber")
        for r in log.resets { XCTAssertTrue([0x2, 0x5].contains(r.code), "reset code \(r.code)") }
        // Delivery resumed: the last group's I object arrived, and every delivered object is intact.
        XCTAssertTrue(log.objects.contains { $0.group == 25 && $0.object == 0 })
        XCTAssertTrue(log.objects.allSatisfy { $0.size == ($0.priority == 0 ? sizes.i : 6_000) })
        // Each group's objects arrived no more than once.
        XCTAssertEqual(Set(log.objects.map { [$0.group, $0.object] }).count, log.objects.count)
        // The queue never held more than its hard bound plus one object.
        let peak = try await harness.onLoop { harness.relay.queueSnapshots().map(\.counters.peakBytes).max() ?? 0 }
        XCTAssertLessThanOrEqual(peak, queue.hardMaxBytes + sizes.i)
        XCTAssertEqual(stats.droppedByPriority, dropped.count)
        XCTAssertGreaterThan(stats.streamsReset, 0)
        await harness.close()
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds passed (then fails).
func waitUntil(timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line, _ condition: () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline {
            XCTFail("condition not met within \(timeout) s", file: file, line: line)
            throw CancellationError()
        }
        try await Task.sleep(nanoseconds: 10_000_000)
    }
}

/// Polls `condition` every 10 ms until it holds (true) or `timeout` seconds passed (false).
func eventually(timeout: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline { return false }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return true
}
