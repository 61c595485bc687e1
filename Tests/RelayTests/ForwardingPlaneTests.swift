import MoQT
import XCTest
@testable import Relay

final class ForwardingPlaneTests: XCTestCase {
    private let video = FullTrackName(namespace: ["demo"], name: "video")
    private let catalog = FullTrackName(namespace: ["demo"], name: "catalog")

    /// Fans one track out through the protocol seam, as the relay will.
    private func fanOut<P: ForwardingPlane>(_ plane: inout P, _ object: RelayObject, to subscribers: [UInt64]) -> [ForwardOutcome] {
        subscribers.map { plane.forward(object, track: video, to: $0, now: .zero) }
    }

    func testUserSpacePlaneQueuesPerSubscriber() {
        var plane = UserSpaceForwardingPlane(queueConfiguration: .init(maxBytes: 1000))
        plane.attach(subscriber: 1, track: video, subscription: SubscriptionContext(id: 10, trackAlias: 5))
        plane.attach(subscriber: 2, track: video, subscription: SubscriptionContext(id: 20, trackAlias: 0))
        plane.attach(subscriber: 2, track: catalog, subscription: SubscriptionContext(id: 21, trackAlias: 1))
        XCTAssertEqual(fanOut(&plane, obj(1, 0, bytes: 100), to: [1, 2, 3]), [.queued, .queued, .notAttached])
        XCTAssertEqual(plane.poll(subscriber: 1, now: .zero).sends.map(\.subscription), [10])
        XCTAssertEqual(plane.poll(subscriber: 2, now: .zero).sends.map(\.subscription), [20])
        // A slow subscriber drops by priority without affecting the other.
        plane.setCongestionBudget(150, for: 2)
        for o in mediaGroup(2, frames: 4) { _ = fanOut(&plane, o, to: [1, 2]) }
        XCTAssertEqual(plane.queue(for: 1)?.queuedCount, 4)
        XCTAssertLessThanOrEqual(plane.queue(for: 2)?.queuedBytes ?? .max, 300)
        XCTAssertFalse(plane.poll(subscriber: 2, now: .zero).drops.isEmpty)
        plane.detach(subscriber: 2, track: video)
        XCTAssertEqual(plane.forward(obj(3, 0), track: video, to: 2, now: .zero), .notAttached)
        XCTAssertNotNil(plane.queue(for: 2), "the catalog subscription remains")
        plane.detach(subscriber: 2, track: nil)
        XCTAssertNil(plane.queue(for: 2))
        XCTAssertEqual(plane.subscriberIDs, [1])
    }
}
