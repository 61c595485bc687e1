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

    /// A subscriber that acknowledges nothing while data is in flight to it (a stopped process) is
    /// cut off `limit` seconds after the stall began, whatever its queue does.
    func testNoAcknowledgementWithDataInFlightCutsOffAfterTheLimit() {
        var s = SlowSubscriberDetector()
        func t(_ seconds: Double) -> RelayTime { RelayTime.zero.adding(seconds: seconds) }
        // Healthy: ACKs move every feed.
        var acked: UInt64 = 0
        var at = 0.0
        while at < 2 {
            acked += 3
            XCTAssertFalse(s.noteAcknowledgements(bytesInFlight: 30_000, largestAcknowledged: acked, now: t(at), limit: 3))
            at += 0.002
        }
        // Stopped at 2 s: the largest acknowledged number freezes, data stays in flight. Feeds every 2 ms.
        var cut: Double?
        while at < 10, cut == nil {
            if s.noteAcknowledgements(bytesInFlight: 60_000, largestAcknowledged: acked, now: t(at), limit: 3) { cut = at }
            at += 0.002
        }
        XCTAssertNotNil(cut)
        XCTAssertEqual(cut ?? 0, 5, accuracy: 0.01, "cut off 3 s after the last acknowledgement")
        XCTAssertEqual(s.secondsUnacknowledged(at: t(5)), 3, accuracy: 0.01)
        // Disabled: never.
        var off = SlowSubscriberDetector()
        XCTAssertFalse(off.noteAcknowledgements(bytesInFlight: 1, largestAcknowledged: 1, now: t(0), limit: nil))
        XCTAssertFalse(off.noteAcknowledgements(bytesInFlight: 1, largestAcknowledged: 1, now: t(100), limit: nil))
    }

    /// Nothing in flight is no stall however long acknowledgements pause (an idle subscriber, or one
    /// whose data waits for its flow-control credit), and the first feed after such a pause starts
    /// the clock afresh: no cut off for a pause that had nothing to acknowledge.
    func testNothingInFlightIsNoStall() {
        var s = SlowSubscriberDetector()
        func t(_ seconds: Double) -> RelayTime { RelayTime.zero.adding(seconds: seconds) }
        XCTAssertFalse(s.noteAcknowledgements(bytesInFlight: 0, largestAcknowledged: 10, now: t(0), limit: 3))
        XCTAssertFalse(s.noteAcknowledgements(bytesInFlight: 0, largestAcknowledged: 10, now: t(20), limit: 3))
        // A keep-alive PING in flight at 40 s after 20 s without a feed: the stall starts now.
        XCTAssertFalse(s.noteAcknowledgements(bytesInFlight: 50, largestAcknowledged: 10, now: t(40), limit: 3))
        XCTAssertFalse(s.noteAcknowledgements(bytesInFlight: 50, largestAcknowledged: 10, now: t(40.1), limit: 3))
        XCTAssertFalse(s.noteAcknowledgements(bytesInFlight: 50, largestAcknowledged: 11, now: t(40.2), limit: 3), "acknowledged")
        XCTAssertNil(s.unacknowledgedSince)
        // The very first feed of a detector never counts as a stall, whatever is in flight.
        var fresh = SlowSubscriberDetector()
        XCTAssertFalse(fresh.noteAcknowledgements(bytesInFlight: 10_000, largestAcknowledged: 5, now: t(100), limit: 0))
        XCTAssertNil(fresh.unacknowledgedSince)
    }

    /// A live subscriber on a lossy link: 30% of its ACKs lost and bursts of loss up to 1.5 s (no ACK
    /// getting through), data always in flight, for 10 minutes of feeds every 2 ms. Some ACK gets
    /// through within about 1.5 s, so it is never cut off with a 3 s limit; the longest stall the
    /// detector saw stays well under the limit.
    func testALossyButLiveLinkIsNeverCutOff() {
        var s = SlowSubscriberDetector()
        var rng = SeededGenerator(seed: 42)
        var acked: UInt64 = 0
        var silentUntil = 0
        var burstEnded = false
        var longest = 0.0
        var cuts = 0
        // Feeds every 2 ms (one packet sent each); every 12th feed (24 ms) the subscriber sends an
        // ACK: 30% are lost, and 2% of them start a burst of loss of 0.5-1.5 s (the first ACK after
        // a burst gets through: a link that stays dark longer is not live).
        for step in 0..<300_000 {
            if step % 12 == 0, step >= silentUntil {
                if burstEnded {
                    burstEnded = false
                    acked = UInt64(max(step - 5, 0))
                } else if rng.next() % 100 < 2 {
                    silentUntil = step + 250 + Int(rng.next() % 500)
                    burstEnded = true
                } else if rng.next() % 100 >= 30 {
                    acked = UInt64(max(step - 5, 0))
                }
            }
            let now = RelayTime.zero.adding(seconds: Double(step) * 0.002)
            if s.noteAcknowledgements(bytesInFlight: 40_000, largestAcknowledged: acked, now: now, limit: 3) { cuts += 1 }
            longest = max(longest, s.secondsUnacknowledged(at: now))
        }
        XCTAssertEqual(cuts, 0, "never cut off")
        XCTAssertGreaterThan(longest, 0.5, "bursts of loss were simulated")
        XCTAssertLessThan(longest, 2.2)
    }
}
