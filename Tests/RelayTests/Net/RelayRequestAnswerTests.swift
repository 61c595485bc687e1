import MoQT
import MoQTNet
import XCTest
@testable import Relay

/// The relay's answers to requests it cannot serve as asked (draft-18 §10.12.3, §10.14):
/// FETCH ranges beyond the largest object, and TRACK_STATUS.
final class RelayRequestAnswerTests: XCTestCase {
    private let ns = TrackNamespace(strings: ["answers"])
    private var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }
    private let sizes = (i: 900, p: 300, b: 200)

    /// A relay whose track has groups 0...1 (5 objects each) cached through one live subscriber.
    private func relayWithTwoGroups(_ harness: RelayHarness) async throws {
        let publisher = try await harness.announcedPublisher(ns)
        let live = CollectingSubscriber()
        let (conn, _) = try await harness.connect(live)
        _ = try await conn.perform { [track] in try $0.subscribe(track) }
        try await waitUntil { live.log.subscribed && !publisher.subscriptions.isEmpty }
        for g in 0..<2 { try await publisher.publishGroup(UInt64(g), frames: 5, sizes: sizes) }
        try await waitUntil { live.log.objects.count >= 10 }
    }

    /// §10.12.3: a Start Location greater than the Largest Object is INVALID_RANGE, not FETCH_OK.
    func testFetchStartingBeyondTheLargestObjectIsInvalidRange() async throws {
        let harness = try await RelayHarness()
        try await relayWithTwoGroups(harness)
        let fetcher = CollectingSubscriber()
        let (conn, _) = try await harness.connect(fetcher)
        let beyond = try await conn.perform { [track] in
            try $0.fetch(track, start: Location(group: 1 << 40, object: 0), end: Location(group: (1 << 40) + 1, object: 0))
        }
        // Largest is {1, 4}: {1, 5} is past it too.
        let justPast = try await conn.perform { [track] in try $0.fetch(track, start: Location(group: 1, object: 5), end: Location(group: 2, object: 0)) }
        // Starting at the largest object itself is fine.
        let atLargest = try await conn.perform { [track] in try $0.fetch(track, start: Location(group: 1, object: 4), end: Location(group: 1, object: 5)) }
        let answered = await eventually { fetcher.log.requestErrors.count >= 2 && fetcher.log.fetchEnded }
        XCTAssertTrue(answered, "errors \(fetcher.log.requestErrors), fetch ended \(fetcher.log.fetchEnded)")
        XCTAssertEqual(fetcher.log.requestErrors[beyond], .invalidRange)
        XCTAssertEqual(fetcher.log.requestErrors[justPast], .invalidRange)
        XCTAssertNil(fetcher.log.requestErrors[atLargest])
        XCTAssertEqual(fetcher.log.fetched.map { [$0.group, $0.object] }, [[1, 4]])
        await harness.close()
    }

    /// §10.14 / §10.6.2: TRACK_STATUS for a namespace nobody publishes is DOES_NOT_EXIST.
    func testTrackStatusOfAnUnknownTrackIsDoesNotExist() async throws {
        let harness = try await RelayHarness()
        let asker = CollectingSubscriber()
        let (conn, _) = try await harness.connect(asker)
        let id = try await conn.perform { try $0.trackStatus(FullTrackName(namespace: TrackNamespace(strings: ["nobody"]), name: "t")) }
        let answered = await eventually { asker.log.requestErrors[id] != nil }
        XCTAssertTrue(answered, "no answer to TRACK_STATUS")
        XCTAssertEqual(asker.log.requestErrors[id], .doesNotExist)
        await harness.close()
    }

    /// TRACK_STATUS of a track the relay carries: REQUEST_OK with LARGEST_OBJECT, as SUBSCRIBE_OK would say.
    func testTrackStatusOfARelayedTrackReportsTheLargestObject() async throws {
        let harness = try await RelayHarness()
        try await relayWithTwoGroups(harness)
        let asker = CollectingSubscriber()
        let (conn, _) = try await harness.connect(asker)
        let id = try await conn.perform { [track] in try $0.trackStatus(track) }
        let answered = await eventually { asker.log.requestOKs[id] != nil || asker.log.requestErrors[id] != nil }
        XCTAssertTrue(answered, "no answer to TRACK_STATUS")
        XCTAssertEqual(asker.log.requestOKs[id]?.parameters.largestObject, Location(group: 1, object: 4))
        await harness.close()
    }
}
