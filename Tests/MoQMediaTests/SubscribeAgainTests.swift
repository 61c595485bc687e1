import XCTest
@testable import MoQMedia
import MoQT

/// `moq-sub --reconnect` after PUBLISH_DONE: which codes subscribe again, and how a publisher that
/// started anew (groups from 0 again) continues the subscriber's numbering and gap report.
final class SubscribeAgainTests: XCTestCase {
    func testPublisherGoneSubscribesAgainOnlyWithReconnect() {
        for code in [PublishDoneCode.goingAway, .internalError, .tooFarBehind, .excessiveLoad, .expired] {
            XCTAssertEqual(MediaSubscriber.action(afterPublishDone: code, reconnect: true), .subscribeAgain, "\(code)")
            XCTAssertEqual(MediaSubscriber.action(afterPublishDone: code, reconnect: false), .end, "\(code)")
        }
    }

    func testEndOfTheTrackEndsEvenWithReconnect() {
        for code in [PublishDoneCode.trackEnded, .subscriptionEnded, .unauthorized, .updateFailed, .malformedTrack,
                     PublishDoneCode(rawValue: 0x77)] {
            XCTAssertEqual(MediaSubscriber.action(afterPublishDone: code, reconnect: true), .end, "\(code)")
        }
    }

    func testRestartedPublisherFollowsTheLastGroupSeen() {
        var t = GapTracker()
        for g: UInt64 in 0...2 {
            XCTAssertEqual(t.trackGroup(g).group, g)
            for o: UInt64 in 0..<30 { t.objectReceived(group: g, object: o) }
        }
        t.groupEnded(group: 2, objectCount: 40)
        t.disconnected()
        // The new process numbers from 0; the subscriber joins at its group 1.
        let first = t.trackGroup(1)
        XCTAssertEqual(first.group, 4)
        XCTAssertTrue(first.restarted)
        let next = t.trackGroup(2)
        XCTAssertEqual(next.group, 5)
        XCTAssertFalse(next.restarted)
        for o: UInt64 in 0..<30 { t.objectReceived(group: 4, object: o) }
        t.groupEnded(group: 4, objectCount: 30)
        XCTAssertEqual(t.restarts, 1)
        // The rest of group 2 and the new process's group 0 were missed while away.
        XCTAssertEqual(t.gaps(), [.objects(group: 2, 30...39, reason: .disconnected), .groups(3...3, reason: .disconnected)])
    }

    func testTrackThatWentOnKeepsItsNumbering() {
        var t = GapTracker()
        for o: UInt64 in 0..<30 { t.objectReceived(group: t.trackGroup(5).group, object: o) }
        t.groupEnded(group: 5, objectCount: 30)
        t.disconnected()
        let back = t.trackGroup(8)
        XCTAssertEqual(back.group, 8)
        XCTAssertFalse(back.restarted)
        for o: UInt64 in 0..<30 { t.objectReceived(group: 8, object: o) }
        t.groupEnded(group: 8, objectCount: 30)
        XCTAssertEqual(t.restarts, 0)
        XCTAssertEqual(t.gaps(), [.groups(6...7, reason: .disconnected)])
    }
}
