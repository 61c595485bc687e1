import MoQT
import XCTest
@testable import Relay
import TestSupport

final class SubscriberQueueTests: XCTestCase {
    private func queue(maxBytes: Int = 1 << 20, hardMaxBytes: Int? = nil, maxDelay: Double = 100) -> SubscriberQueue {
        var q = SubscriberQueue(configuration: .init(maxBytes: maxBytes, hardMaxBytes: hardMaxBytes, maxDelay: maxDelay))
        q.addSubscription(SubscriptionContext(id: 1, trackAlias: 7))
        return q
    }

    func testSendOrderFollowsPriorityRules() {
        var q = SubscriberQueue()
        q.addSubscription(SubscriptionContext(id: 1, trackAlias: 1, subscriberPriority: 10, groupOrder: .ascending))
        q.addSubscription(SubscriptionContext(id: 2, trackAlias: 2, subscriberPriority: 5, groupOrder: .descending))
        // Subscription 1 (less important subscriber priority), ascending groups.
        q.enqueue(obj(2, 1, sg: 1, prio: 2), subscription: 1, now: .zero)
        q.enqueue(obj(1, 0, sg: 0, prio: 1), subscription: 1, now: .zero)
        q.enqueue(obj(2, 0, sg: 0, prio: 1), subscription: 1, now: .zero)
        q.enqueue(obj(1, 1, sg: 1, prio: 2), subscription: 1, now: .zero)
        // Subscription 2, descending groups.
        q.enqueue(obj(1, 0, sg: 0, prio: 1), subscription: 2, now: .zero)
        q.enqueue(obj(2, 0, sg: 0, prio: 1), subscription: 2, now: .zero)
        q.enqueue(obj(2, 2, sg: 0, prio: 1), subscription: 2, now: .zero)
        let sent = q.poll(now: .zero).sends.map { "\($0.subscription):\($0.object.group).\($0.object.objectID)" }
        XCTAssertEqual(sent, [
            // Subscriber priority 5 first; within it publisher priority, then descending groups, then objects.
            "2:2.0", "2:2.2", "2:1.0",
            // Then priority 10: publisher priority 1 before 2, ascending groups.
            "1:1.0", "1:2.0", "1:1.1", "1:2.1",
        ])
        XCTAssertEqual(q.queuedCount, 0)
        XCTAssertEqual(q.queuedBytes, 0)
    }

    func testWindowLimitsSendsAndFirstObjectOpensTheStream() {
        var q = queue()
        for o in UInt64(0)..<4 { q.enqueue(obj(0, o, sg: 0, bytes: 100), subscription: 1, now: .zero) }
        var out = q.poll(now: .zero, window: 250)
        XCTAssertEqual(out.sends.map(\.object.objectID), [0, 1])
        XCTAssertEqual(out.sends.map(\.opensStream), [true, false])
        out = q.poll(now: .zero, window: 50)
        XCTAssertEqual(out.sends.map(\.object.objectID), [2], "the head object goes even when larger than the window")
        XCTAssertTrue(q.poll(now: .zero, window: 0).sends.isEmpty)
        XCTAssertEqual(q.poll(now: .zero).sends.map(\.object.objectID), [3])
    }

    /// B of the current group, then B of the older group, then P of the current group, then P of
    /// the older group; I objects only once a whole group behind, then that group is skipped.
    func testDropOrderLargestPriorityValueFirstCurrentGroupFirst() {
        var q = queue(maxBytes: 1000, hardMaxBytes: 100_000)
        var resets: [StreamReset] = []
        func add(_ o: RelayObject) { q.enqueue(o, subscription: 1, now: .zero); resets += q.poll(now: .zero, window: 0).resets }
        // Group 1: I 300 + P 100 + B 100; group 2: I 300 + P 100 + B 100 = 1000, at the budget.
        for o in [obj(1, 0, sg: 0, prio: 1, bytes: 300), obj(1, 1, sg: 1, prio: 2, bytes: 100), obj(1, 2, sg: 2, prio: 3, bytes: 100),
                  obj(2, 0, sg: 0, prio: 1, bytes: 300), obj(2, 1, sg: 1, prio: 2, bytes: 100), obj(2, 2, sg: 2, prio: 3, bytes: 100)] { add(o) }
        XCTAssertTrue(resets.isEmpty)
        XCTAssertEqual(q.queuedBytes, 1000)

        add(obj(2, 3, sg: 2, prio: 3, bytes: 100))  // 1,100: B of the current group goes (200 bytes)
        XCTAssertEqual(resets.map { "\($0.group)/\($0.subgroup)" }, ["2/2"])
        XCTAssertEqual(q.queuedBytes, 900)

        add(obj(2, 4, sg: 1, prio: 2, bytes: 200))  // 1,100: the older group's B
        XCTAssertEqual(resets.map { "\($0.group)/\($0.subgroup)" }, ["2/2", "1/2"])

        add(obj(2, 5, sg: 2, prio: 3, bytes: 100))  // B of group 2 after its B stream was dropped: dropped at once
        XCTAssertEqual(resets.count, 2, "stream 2/2 was reset already")
        XCTAssertEqual(q.queuedBytes, 1000)

        add(obj(2, 6, sg: 1, prio: 2, bytes: 100))  // 1,100: P of the current group (400 bytes)
        XCTAssertEqual(resets.map { "\($0.group)/\($0.subgroup)" }, ["2/2", "1/2", "2/1"])
        XCTAssertEqual(q.queuedBytes, 700)

        add(obj(3, 0, sg: 0, prio: 1, bytes: 300))  // 1,000: fine
        add(obj(3, 1, sg: 1, prio: 2, bytes: 150))  // 1,150: P of group 3 (the newest) goes before P of group 1
        XCTAssertEqual(resets.map { "\($0.group)/\($0.subgroup)" }, ["2/2", "1/2", "2/1", "3/1"])

        XCTAssertTrue(resets.allSatisfy { !$0.groupSkipped })
        // 1,150: P of group 1 goes (1,050); only I objects remain and the queue is still over, so
        // the subscriber is a whole group behind: group 1 (the oldest) is skipped, I included.
        add(obj(3, 2, sg: 3, prio: 1, bytes: 150))
        XCTAssertEqual(resets.map { "\($0.group)/\($0.subgroup)" }, ["2/2", "1/2", "2/1", "3/1", "1/1", "1/0"])
        XCTAssertEqual(resets.last?.groupSkipped, true)
        XCTAssertEqual(q.queuedBytes, 750)
        XCTAssertEqual(q.queuedObjects.map(\.location), [Location(group: 2, object: 0), Location(group: 3, object: 0),
                                                         Location(group: 3, object: 2)])
        // A late object of the skipped group is dropped at once.
        XCTAssertEqual(q.enqueue(obj(1, 9, sg: 0, prio: 1), subscription: 1, now: .zero), .dropped(.queueBytes))
        XCTAssertTrue(resets.allSatisfy { $0.reason == .queueBytes && $0.code == .tooFarBehind })
        XCTAssertEqual(Set(resets.map { "\($0.group)/\($0.subgroup)" }).count, resets.count, "each stream reset once")
    }

    func testCurrentGroupAnchorsGoOnlyPastTheHardBound() {
        var q = queue(maxBytes: 1000, hardMaxBytes: 2000)
        for o in UInt64(0)..<15 { q.enqueue(obj(5, o, sg: 0, prio: 1, bytes: 100), subscription: 1, now: .zero) }
        var out = q.poll(now: .zero, window: 0)
        XCTAssertTrue(out.drops.isEmpty, "one group, all equally important: kept up to the hard bound")
        XCTAssertEqual(q.queuedBytes, 1500)
        for o in UInt64(15)..<21 { q.enqueue(obj(5, o, sg: 0, prio: 1, bytes: 100), subscription: 1, now: .zero) }
        out = q.poll(now: .zero, window: 0)
        XCTAssertEqual(out.resets.count, 1)
        XCTAssertEqual(out.resets.first?.groupSkipped, true)
        XCTAssertEqual(q.queuedBytes, 0, "the current group is skipped past the hard bound")
        XCTAssertEqual(q.enqueue(obj(5, 21, sg: 0, prio: 1, bytes: 100), subscription: 1, now: .zero), .dropped(.queueBytes))
        XCTAssertEqual(q.enqueue(obj(6, 0, sg: 0, prio: 1, bytes: 100), subscription: 1, now: .zero), .queued, "resumes at the next group")
        XCTAssertEqual(q.counters.groupsSkipped, 1)
    }

    func testDelayBoundDropsStaleStreamsFirstAndSignalsDeliveryTimeout() {
        var q = queue(maxDelay: 1)
        q.enqueue(obj(1, 0, sg: 0, prio: 1, bytes: 100), subscription: 1, now: .seconds(0))
        q.enqueue(obj(1, 1, sg: 2, prio: 3, bytes: 100), subscription: 1, now: .seconds(0))
        q.enqueue(obj(2, 0, sg: 0, prio: 1, bytes: 100), subscription: 1, now: .seconds(0.9))
        q.enqueue(obj(2, 1, sg: 2, prio: 3, bytes: 100), subscription: 1, now: .seconds(0.9))
        let out = q.poll(now: .seconds(1.5), window: 0)
        // Only group 1's objects are older than 1 s: its B stream, then (a group behind) group 1 itself.
        XCTAssertEqual(out.resets.map { "\($0.group)/\($0.subgroup)" }, ["1/2", "1/0"])
        XCTAssertTrue(out.resets.allSatisfy { $0.code == .deliveryTimeout && $0.reason == .queueDelay })
        XCTAssertEqual(q.queuedObjects.map(\.group), [2, 2])
        // Later, the current group's own objects are stale too: they go, I included.
        let later = q.poll(now: .seconds(5), window: 0)
        XCTAssertEqual(later.drops.count, 2)
        XCTAssertEqual(q.queuedCount, 0)
    }

    func testCongestionBudgetDropsByPriority() {
        var q = queue(maxBytes: 10_000)
        for o in mediaGroup(1, frames: 10) { q.enqueue(o, subscription: 1, now: .zero) }
        XCTAssertTrue(q.poll(now: .zero, window: 0).drops.isEmpty)
        q.setCongestionBudget(700)
        let out = q.poll(now: .zero, window: 0)
        XCTAssertEqual(out.resets.map(\.subgroup), [2], "B frames go first")
        XCTAssertTrue(out.drops.allSatisfy { $0.reason == .congestion && $0.publisherPriority == Prio.b })
        XCTAssertLessThanOrEqual(q.queuedBytes, 700)
        XCTAssertEqual(q.effectiveBudget, 700)
    }

    func testDatagramsDropWithoutResets() {
        var q = queue(maxBytes: 250)
        q.enqueue(obj(1, 0, sg: nil, prio: 1, bytes: 100), subscription: 1, now: .zero)
        q.enqueue(obj(1, 1, sg: nil, prio: 3, bytes: 100), subscription: 1, now: .zero)
        q.enqueue(obj(1, 2, sg: nil, prio: 2, bytes: 100), subscription: 1, now: .zero)
        let out = q.poll(now: .zero, window: 0)
        XCTAssertTrue(out.resets.isEmpty)
        XCTAssertEqual(out.drops.map(\.location.object), [1])
    }

    /// Feeds ten times the budget while the subscriber drains slowly: the queue never grows past
    /// its hard bound, every object is accounted for, and no object is sent on a reset stream.
    func testBoundedUnderTenfoldOverload() {
        let budget = 20_000
        var q = SubscriberQueue(configuration: .init(maxBytes: budget, maxDelay: 1))
        q.addSubscription(SubscriptionContext(id: 1, trackAlias: 1))
        q.addSubscription(SubscriptionContext(id: 2, trackAlias: 2, subscriberPriority: 200))
        var rng = SeededGenerator(seed: 7)
        var fed = 0, fedObjects = 0, sentObjects = 0, droppedObjects = 0, maxObject = 0
        var reset = Set<String>()
        var group: UInt64 = 0
        var now = RelayTime.zero
        while fed < budget * 10 {
            let frames = mediaGroup(group, frames: 30, bytes: (3000 + Int(rng.next() % 2000), 600, 200), at: now)
            for o in frames {
                for sub in [UInt64(1), 2] {
                    q.enqueue(o, subscription: sub, now: now)
                    fed += o.byteCount
                    fedObjects += 1
                    maxObject = max(maxObject, o.byteCount)
                    XCTAssertLessThanOrEqual(q.queuedBytes, q.configuration.hardMaxBytes + maxObject)
                }
                now = now.adding(seconds: 1.0 / 30)
                let out = q.poll(now: now, window: 300)  // far slower than the feed
                for r in out.resets {
                    XCTAssertTrue(reset.insert("\(r.subscription)/\(r.group)/\(r.subgroup)").inserted, "reset twice")
                }
                for s in out.sends {
                    let key = "\(s.subscription)/\(s.object.group)/\(s.object.subgroup!)"
                    XCTAssertFalse(reset.contains(key), "object sent on a reset stream \(key)")
                }
                sentObjects += out.sends.count
                droppedObjects += out.drops.count
            }
            group += 1
        }
        XCTAssertEqual(fedObjects, sentObjects + droppedObjects + q.queuedCount, "every object sent, dropped or queued")
        XCTAssertGreaterThan(droppedObjects, 0)
        XCTAssertLessThanOrEqual(q.counters.peakBytes, q.configuration.hardMaxBytes + maxObject)
        XCTAssertGreaterThan(q.counters.groupsSkipped, 0)
        XCTAssertEqual(q.counters.droppedTotal, droppedObjects)
    }

    func testRemovingASubscriptionDiscardsItsObjects() {
        var q = queue()
        q.addSubscription(SubscriptionContext(id: 2, trackAlias: 9))
        q.enqueue(obj(1, 0, bytes: 100), subscription: 1, now: .zero)
        q.enqueue(obj(1, 0, bytes: 100), subscription: 2, now: .zero)
        q.removeSubscription(1)
        XCTAssertEqual(q.queuedBytes, 100)
        XCTAssertEqual(q.enqueue(obj(1, 1), subscription: 1, now: .zero), .unknownSubscription)
        XCTAssertEqual(q.poll(now: .zero).sends.map(\.subscription), [2])
    }

    /// Random tracks, priorities, subscriptions, windows and budgets: the queue stays bounded,
    /// accounts for every object, resets each stream once, never sends on a reset stream, and
    /// keeps each stream's objects in order.
    func testInvariantsAcrossSeededWorkloads() {
        for seed in UInt64(0)..<40 {
            var rng = SeededGenerator(seed: seed)
            let budget = 2_000 + Int(rng.next() % 20_000)
            var q = SubscriberQueue(configuration: .init(maxBytes: budget, maxDelay: 0.2 + Double(rng.next() % 20) / 10))
            let subs = UInt64(1)...(1 + rng.next() % 3)
            for s in subs {
                q.addSubscription(SubscriptionContext(id: s, trackAlias: s, subscriberPriority: UInt8(rng.next() % 4),
                                                      groupOrder: rng.next() % 3 == 0 ? .descending : .ascending))
            }
            var now = RelayTime.zero
            var fed = 0, accounted = 0, maxObject = 0
            var reset = Set<String>()
            var lastSent: [String: UInt64] = [:]
            for g in UInt64(0)..<20 {
                let frames = 2 + Int(rng.next() % 20)
                let perFrame = rng.next() % 2 == 0
                for k in 0..<frames {
                    let prio: UInt8 = k == 0 ? 1 : UInt8(2 + rng.next() % 3)
                    let sg: UInt64? = rng.next() % 15 == 0 ? nil : (perFrame ? UInt64(k) : UInt64(prio))
                    let o = obj(g, UInt64(k), sg: sg, prio: prio, bytes: 1 + Int(rng.next() % 1500), at: now)
                    maxObject = max(maxObject, o.byteCount)
                    for s in subs where rng.next() % 5 != 0 {
                        q.enqueue(o, subscription: s, now: now)
                        fed += 1
                        XCTAssertLessThanOrEqual(q.queuedBytes, q.configuration.hardMaxBytes + maxObject, "seed \(seed)")
                    }
                    if rng.next() % 4 == 0 { q.setCongestionBudget(rng.next() % 2 == 0 ? nil : Int(rng.next() % UInt64(budget))) }
                    now = now.adding(seconds: Double(rng.next() % 50) / 1000)
                    let out = q.poll(now: now, window: Int(rng.next() % 3000))
                    for r in out.resets {
                        XCTAssertTrue(reset.insert("\(r.subscription)/\(r.group)/\(r.subgroup)").inserted, "seed \(seed): reset twice")
                    }
                    for s in out.sends {
                        guard let sg = s.object.subgroup else { continue }
                        let key = "\(s.subscription)/\(s.object.group)/\(sg)"
                        XCTAssertFalse(reset.contains(key), "seed \(seed): sent on reset stream \(key)")
                        if let last = lastSent[key] { XCTAssertGreaterThan(s.object.objectID, last, "seed \(seed): \(key) out of order") }
                        XCTAssertEqual(s.opensStream, lastSent[key] == nil, "seed \(seed): \(key) opensStream")
                        lastSent[key] = s.object.objectID
                    }
                    accounted += out.sends.count + out.drops.count
                }
            }
            XCTAssertEqual(fed, accounted + q.queuedCount, "seed \(seed): every object sent, dropped or queued")
        }
    }
}
