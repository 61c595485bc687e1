import XCTest
@testable import MoQMedia
import MoQTNet

/// What a reconnecting subscriber missed while it was away is reported as `disconnected`, apart
/// from ordinary losses.
final class GapTrackerDisconnectTests: XCTestCase {
    func testGroupsMissedWhileAwayAreDisconnectedGaps() {
        var t = GapTracker()
        for o: UInt64 in 0..<30 { t.objectReceived(group: 0, object: o) }
        t.groupEnded(group: 0, objectCount: 30)
        for o: UInt64 in 0..<10 { t.objectReceived(group: 1, object: o) }
        t.groupEnded(group: 1, objectCount: 30)
        t.disconnected()
        // The next session joins at group 4 (its latest keyframe).
        for o: UInt64 in 0..<30 { t.objectReceived(group: 4, object: o) }
        t.groupEnded(group: 4, objectCount: 30)
        XCTAssertEqual(t.gaps(), [.objects(group: 1, 10...29, reason: .disconnected), .groups(2...3, reason: .disconnected)])
        XCTAssertEqual(t.disconnections, 1)
    }

    func testLossesAfterTheReconnectionStayLosses() {
        var t = GapTracker()
        t.objectReceived(group: 0, object: 0)
        t.groupEnded(group: 0, objectCount: 1)
        t.disconnected()
        t.objectReceived(group: 3, object: 0)
        t.groupEnded(group: 3, objectCount: 1)
        // Group 4 is lost later, with the session up.
        t.objectReceived(group: 5, object: 0)
        XCTAssertEqual(t.gaps(), [.groups(1...2, reason: .disconnected), .groups(4...4, reason: .lost)])
    }

    func testReconnectingToTheSameGroupLeavesNoOutage() {
        var t = GapTracker()
        t.objectReceived(group: 2, object: 0)
        t.disconnected()
        t.disconnected()  // a failed attempt in between
        t.objectReceived(group: 3, object: 0)
        XCTAssertEqual(t.disconnections, 2)
        XCTAssertEqual(t.gaps(), [])
    }

    func testBackoffDoublesToItsCapAndResets() {
        var b = Backoff()
        XCTAssertEqual((0..<8).map { _ in b.next() }, [0.25, 0.5, 1, 2, 4, 8, 8, 8])
        b.reset()
        XCTAssertEqual(b.next(), 0.25)
        XCTAssertEqual(Backoff.format(0.25), "0.25 s")
        XCTAssertEqual(Backoff.format(8), "8 s")
    }
}
