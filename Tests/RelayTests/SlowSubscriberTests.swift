import MoQT
import XCTest
@testable import Relay
import TestSupport

/// What makes the relay cut a subscriber off (`--slow-subscriber-timeout`): the queue counts the
/// drops priority dropping could not spare (`anchorDrops`: a group's most important objects), and
/// `SlowSubscriberDetector` turns a run of them into a verdict.
final class SlowSubscriberTests: XCTestCase {
    func testOnlyDropsOfTheMostImportantObjectsAreAnchorDrops() {
        var q = SubscriberQueue(configuration: .init(maxBytes: 1000, hardMaxBytes: 100_000, maxDelay: 100))
        q.addSubscription(SubscriptionContext(id: 1, trackAlias: 7))
        // Group 1: I (priority 1) 300 + P 100 + B 100; group 2 the same: at the budget.
        for o in [obj(1, 0, sg: 0, prio: 1, bytes: 300), obj(1, 1, sg: 1, prio: 2, bytes: 100), obj(1, 2, sg: 2, prio: 3, bytes: 100),
                  obj(2, 0, sg: 0, prio: 1, bytes: 300), obj(2, 1, sg: 1, prio: 2, bytes: 100), obj(2, 2, sg: 2, prio: 3, bytes: 100)] {
            q.enqueue(o, subscription: 1, now: .zero)
        }
        // 300 more bytes of B: the B and P streams go first, no I.
        q.enqueue(obj(2, 3, sg: 2, prio: 3, bytes: 300), subscription: 1, now: .zero)
        _ = q.poll(now: .zero, window: 0)
        XCTAssertGreaterThan(q.counters.droppedTotal, 0)
        XCTAssertEqual(q.counters.anchorDrops, 0, "B and P frames are not anchors")
        // Group 3's I pushes the queue past what B/P drops can free: group 1's I goes (a group behind).
        q.enqueue(obj(3, 0, sg: 0, prio: 1, bytes: 500), subscription: 1, now: .zero)
        _ = q.poll(now: .zero, window: 0)
        XCTAssertGreaterThan(q.counters.anchorDrops, 0, "a keyframe had to go")
    }

    func testARunOfAnchorDropsLongerThanTheLimitCutsOff() {
        var s = SlowSubscriberDetector()
        func t(_ seconds: Double) -> RelayTime { RelayTime.zero.adding(seconds: seconds) }
        var drops = 0
        func pump(_ at: Double, drop: Bool, empty: Bool = false) -> Bool {
            if drop { drops += 1 }
            return s.note(queueEmpty: empty, anchorDrops: drops, window: 1000, budget: 1000, now: t(at), limit: 3)
        }
        XCTAssertFalse(pump(0, drop: false))
        XCTAssertFalse(pump(1, drop: true))
        XCTAssertFalse(pump(2, drop: true))
        XCTAssertFalse(pump(3.9, drop: true))
        XCTAssertTrue(pump(4.0, drop: true), "keyframes lost from 1 s to 4 s: 3 s behind")
        // Catching up (queue empty, room in the connection) starts over.
        var s2 = SlowSubscriberDetector()
        var d2 = 0
        func pump2(_ at: Double, drop: Bool, empty: Bool = false, window: Int = 1000) -> Bool {
            if drop { d2 += 1 }
            return s2.note(queueEmpty: empty, anchorDrops: d2, window: window, budget: 1000, now: t(at), limit: 3)
        }
        XCTAssertFalse(pump2(1, drop: true))
        XCTAssertFalse(pump2(2, drop: false, empty: true))
        XCTAssertFalse(pump2(3, drop: true))
        XCTAssertFalse(pump2(4.5, drop: true), "1.5 s since it caught up")
        XCTAssertFalse(pump2(5, drop: false, empty: true, window: 0), "an empty queue without room in the connection is not caught up")
        XCTAssertTrue(pump2(6, drop: true))
        // A pause longer than the limit between keyframe losses starts over too.
        var s3 = SlowSubscriberDetector()
        var d3 = 0
        func pump3(_ at: Double) -> Bool {
            d3 += 1
            return s3.note(queueEmpty: false, anchorDrops: d3, window: 1000, budget: 1000, now: t(at), limit: 3)
        }
        XCTAssertFalse(pump3(0))
        XCTAssertFalse(pump3(3.5), "the first loss was 3.5 s ago, with none between")
        XCTAssertFalse(pump3(5))
        XCTAssertTrue(pump3(6.5))
        // Disabled: never.
        XCTAssertFalse(s3.note(queueEmpty: false, anchorDrops: d3 + 5, window: 0, budget: 0, now: t(100), limit: nil))
    }
}
