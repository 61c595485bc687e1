import MoQT
import MoQTNet
import XCTest
@testable import Relay

/// REQUEST_UPDATE through the networked relay: FORWARD 0 pauses one subscriber without dropping
/// it, FORWARD 1 resumes it at the next group, and the upstream subscription follows the
/// subscribers (paused when all paused, resumed when one resumes or a new one arrives).
final class RelayUpdateTests: XCTestCase {
    private let ns = TrackNamespace(strings: ["upd"])
    private var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }
    private let sizes = (i: 500, p: 150, b: 100)

    private func forward(_ value: Bool, _ conn: MoQTConnection, _ requestID: UInt64) async throws {
        var p = MessageParameters()
        p.forward = value
        _ = try await conn.perform { try $0.requestUpdate(requestID, parameters: p) }
        try await Task.sleep(nanoseconds: 150_000_000)  // the update reaches the relay and upstream
    }

    /// Whether the publisher's (only) subscription currently forwards.
    private func upstreamForwarding(_ publisher: SyntheticPublisher) async throws -> Bool {
        guard let conn = publisher.connection, let id = publisher.subscriptions.first else { return false }
        return try await conn.perform { $0.isForwarding(id) }
    }

    func testForwardZeroPausesOneSubscriberAndForwardOneResumesAtTheNextGroup() async throws {
        let harness = try await RelayHarness()
        let publisher = try await harness.announcedPublisher(ns)
        let steady = CollectingSubscriber(), pausing = CollectingSubscriber()
        let (steadyConn, _) = try await harness.connect(steady)
        let (pausingConn, _) = try await harness.connect(pausing)
        _ = try await steadyConn.perform { [track] in try $0.subscribe(track) }
        let pausingID = try await pausingConn.perform { [track] in try $0.subscribe(track) }
        try await waitUntil { steady.log.subscribed && pausing.log.subscribed && !publisher.subscriptions.isEmpty }
        try await publisher.publishGroup(0, frames: 5, sizes: sizes)
        try await waitUntil { steady.log.objects.count == 5 && pausing.log.objects.count == 5 }

        try await forward(false, pausingConn, pausingID)
        try await publisher.publishGroup(1, frames: 5, sizes: sizes)
        try await waitUntil { steady.log.objects.count == 10 }
        try await Task.sleep(nanoseconds: 100_000_000)
        XCTAssertEqual(pausing.log.objects.count, 5, "a paused subscriber gets nothing")
        XCTAssertFalse(pausing.log.finished, "a paused subscription stays")
        let stillUp = try await upstreamForwarding(publisher)
        XCTAssertTrue(stillUp, "one subscriber still forwards: upstream keeps sending")

        try await forward(true, pausingConn, pausingID)
        try await publisher.publishGroup(2, frames: 5, sizes: sizes)
        try await waitUntil { steady.log.objects.count == 15 && pausing.log.objects.count == 10 }
        XCTAssertEqual(pausing.log.objects.filter { $0.group == 2 }.map(\.object).sorted(), Array(0..<5))
        XCTAssertFalse(pausing.log.objects.contains { $0.group == 1 })
        await harness.close()
    }

    func testUpstreamPausesWhenEverySubscriberPausedAndResumesForANewOne() async throws {
        let harness = try await RelayHarness()
        let publisher = try await harness.announcedPublisher(ns)
        let first = CollectingSubscriber()
        let (firstConn, _) = try await harness.connect(first)
        let firstID = try await firstConn.perform { [track] in try $0.subscribe(track) }
        try await waitUntil { first.log.subscribed && !publisher.subscriptions.isEmpty }
        try await forward(false, firstConn, firstID)
        let paused = try await upstreamForwarding(publisher)
        XCTAssertFalse(paused, "no subscriber forwards: upstream asked for FORWARD 0")

        // A new subscriber (FORWARD 1) resumes the upstream subscription.
        let second = CollectingSubscriber()
        let (secondConn, _) = try await harness.connect(second)
        _ = try await secondConn.perform { [track] in try $0.subscribe(track) }
        try await waitUntil { second.log.subscribed }
        try await Task.sleep(nanoseconds: 150_000_000)
        let resumed = try await upstreamForwarding(publisher)
        XCTAssertTrue(resumed)
        try await publisher.publishGroup(0, frames: 4, sizes: sizes)
        try await waitUntil { second.log.objects.count == 4 }
        XCTAssertTrue(first.log.objects.isEmpty)
        XCTAssertEqual(publisher.subscriptions.count, 1, "still one upstream subscription")
        await harness.close()
    }

    func testSubscribeWithForwardZeroIsAcceptedAndGetsNothingUntilResumed() async throws {
        let harness = try await RelayHarness()
        let publisher = try await harness.announcedPublisher(ns)
        let live = CollectingSubscriber(), idle = CollectingSubscriber()
        let (liveConn, _) = try await harness.connect(live)
        let (idleConn, _) = try await harness.connect(idle)
        _ = try await liveConn.perform { [track] in try $0.subscribe(track) }
        let idleID = try await idleConn.perform { [track] in try $0.subscribe(track, forward: false) }
        try await waitUntil { live.log.subscribed && idle.log.subscribed }
        try await publisher.publishGroup(0, frames: 4, sizes: sizes)
        try await waitUntil { live.log.objects.count == 4 }
        try await Task.sleep(nanoseconds: 100_000_000)
        XCTAssertTrue(idle.log.objects.isEmpty)
        try await forward(true, idleConn, idleID)
        try await publisher.publishGroup(1, frames: 4, sizes: sizes)
        try await waitUntil { idle.log.objects.count == 4 }
        XCTAssertEqual(Set(idle.log.objects.map(\.group)), [1])
        await harness.close()
    }
}
