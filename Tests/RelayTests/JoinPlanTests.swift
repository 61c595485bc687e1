import MoQT
import XCTest
@testable import Relay
import TestSupport

final class JoinPlanTests: XCTestCase {
    func testReplaysTheLatestGroupFromItsFirstObjectThenGoesLive() {
        var cache = TrackCache()
        for o in mediaGroup(4, frames: 6) { cache.insert(o, now: .zero) }
        for o in mediaGroup(5, frames: 4) { cache.insert(o, now: .zero) }
        var plan = cache.latestGroupJoinPlan()
        XCTAssertEqual(plan.start, Location(group: 5, object: 0))
        // Live objects arrive while the replay is under way: queued, then handed out after it.
        XCTAssertEqual(plan.next()?.location, Location(group: 5, object: 0))
        XCTAssertEqual(plan.receiveLive(obj(5, 4, sg: 1, prio: Prio.p)), .queued)
        XCTAssertEqual(plan.receiveLive(obj(5, 2, sg: 2, prio: Prio.b)), .duplicate, "already in the replay")
        XCTAssertEqual(plan.receiveLive(obj(4, 6, sg: 2, prio: Prio.b)), .beforeStart, "a late object of the previous group")
        var rest: [Location] = []
        while let o = plan.next() { rest.append(o.location) }
        XCTAssertEqual(rest, [1, 2, 3, 4].map { Location(group: 5, object: $0) })
        XCTAssertTrue(plan.isLive)
        XCTAssertEqual(plan.receiveLive(obj(5, 5, sg: 2, prio: Prio.b)), .forward)
        XCTAssertEqual(plan.receiveLive(obj(5, 4, sg: 1, prio: Prio.p)), .duplicate, "sent from the queue already")
        XCTAssertEqual(plan.receiveLive(obj(6, 0, sg: 0, prio: Prio.i)), .forward)
    }

    func testEmptyCacheForwardsEverythingLive() {
        var cache = TrackCache()
        var plan = cache.latestGroupJoinPlan()
        XCTAssertNil(plan.next())
        XCTAssertTrue(plan.isLive)
        XCTAssertEqual(plan.receiveLive(obj(0, 3)), .forward)
    }

    /// A publisher's objects in arrival order: per group the I object first, then P and B
    /// subgroups interleaved at random (each in object order), with a B subgroup sometimes
    /// starting before the P subgroup, and the tail of a group sometimes arriving after the next
    /// group has begun.
    private func arrivalOrder(groups: Int, rng: inout SeededGenerator) -> [RelayObject] {
        var out: [RelayObject] = []
        var carry: [RelayObject] = []
        for g in 0..<groups {
            let frames = 4 + Int(rng.next() % 9)
            let objects = mediaGroup(UInt64(g), frames: frames)
            var lanes: [[RelayObject]] = [objects.filter { $0.subgroup == 1 }, objects.filter { $0.subgroup == 2 }]
            var order: [RelayObject] = [objects[0]]
            while lanes.contains(where: { !$0.isEmpty }) {
                let nonEmpty = lanes.indices.filter { !lanes[$0].isEmpty }
                order.append(lanes[nonEmpty[Int(rng.next() % UInt64(nonEmpty.count))]].removeFirst())
            }
            // Interleave the previous group's tail into the start of this group.
            var merged: [RelayObject] = []
            var tail = carry
            for o in order {
                merged.append(o)
                if !tail.isEmpty, rng.next() % 2 == 0 { merged.append(tail.removeFirst()) }
            }
            merged += tail
            // Hold back a random tail of this group for the next one.
            let hold = Int(rng.next() % 3)
            carry = Array(merged.filter { $0.group == UInt64(g) }.suffix(hold))
            let carried = Set(carry.map(\.location))
            out += merged.filter { !carried.contains($0.location) }
        }
        return out + carry
    }

    func testSpliceHasNoDuplicateAndNoHoleAcrossSeededInterleavings() {
        for seed in UInt64(0)..<300 {
            var rng = SeededGenerator(seed: seed)
            let arrivals = arrivalOrder(groups: 5, rng: &rng)
            var cache = TrackCache()
            let joinAt = 1 + Int(rng.next() % UInt64(arrivals.count - 1))
            for o in arrivals[..<joinAt] { cache.insert(o, now: .zero) }
            var plan = cache.latestGroupJoinPlan()
            let joinGroup = plan.start.group
            let snapshotFirst = cache.objects(inGroup: joinGroup).first?.location

            // The race: objects inserted just before the snapshot may also reach the plan live.
            let racing = arrivals[max(0, joinAt - Int(rng.next() % 4))..<joinAt]
            var live = Array(racing) + arrivals[joinAt...]
            var output: [RelayObject] = []
            var splicing = true
            while splicing || !live.isEmpty {
                if splicing, live.isEmpty || rng.next() % 2 == 0 {
                    if let o = plan.next() { output.append(o) } else { splicing = false }
                    continue
                }
                let o = live.removeFirst()
                switch plan.receiveLive(o) {
                case .forward: output.append(o)
                case .queued, .duplicate: break
                case .beforeStart: XCTAssertLessThan(o.group, joinGroup, "seed \(seed)")
                }
            }

            XCTAssertEqual(output.first?.location, snapshotFirst, "seed \(seed): the join group's first cached object comes first")
            let locations = output.map(\.location)
            XCTAssertEqual(Set(locations).count, locations.count, "seed \(seed): duplicate")
            let expected = Set(arrivals.filter { $0.group >= joinGroup }.map(\.location))
            XCTAssertEqual(Set(locations), expected, "seed \(seed): hole or extra object")
            // Every subgroup stream sees its objects in order.
            var lastPerStream: [String: UInt64] = [:]
            for o in output {
                let key = "\(o.group)/\(o.subgroup ?? 99)"
                if let last = lastPerStream[key] { XCTAssertGreaterThan(o.objectID, last, "seed \(seed): \(key) out of order") }
                lastPerStream[key] = o.objectID
            }
        }
    }
}
