import XCTest
@testable import MoQMedia

final class GapTrackerTests: XCTestCase {
    func testNoGapsWhenEverythingArrives() {
        var t = GapTracker()
        for g: UInt64 in 0..<3 {
            for o: UInt64 in 0..<30 { t.objectReceived(group: g, object: o) }
            t.groupEnded(group: g, objectCount: 30)
        }
        XCTAssertEqual(t.gaps(), [])
        XCTAssertEqual(t.objectsReceived, 90)
        XCTAssertEqual(t.groupsReceived, 3)
    }

    func testHolesInsideAndAtTheEndOfAGroup() {
        var t = GapTracker()
        for o: UInt64 in [0, 1, 2, 5, 6] { t.objectReceived(group: 4, object: o) }
        t.groupEnded(group: 4, objectCount: 9)
        XCTAssertEqual(t.gaps(), [.objects(group: 4, 3...4, reason: .lost), .objects(group: 4, 7...8, reason: .lost)])
    }

    func testDroppedStreamsAreAttributed() {
        var t = GapTracker()
        t.objectReceived(group: 0, object: 0)
        t.streamReset(group: 0, droppedOnPurpose: true)
        t.groupEnded(group: 0, objectCount: 3)
        t.streamReset(group: 1, droppedOnPurpose: true)
        t.objectReceived(group: 2, object: 0)
        XCTAssertEqual(t.gaps(), [.objects(group: 0, 1...2, reason: .droppedByPriority),
                                  .groups(1...1, reason: .droppedByPriority)])
    }

    /// At a join, a P frame's stream may deliver before the keyframe's: what arrives later below
    /// the first object received is not "skipped at join".
    func testJoinPointIsTheLowestObjectReceivedInTheJoinGroup() {
        var t = GapTracker()
        for o: UInt64 in [3, 4, 0, 1, 2, 5] { t.objectReceived(group: 6, object: o) }
        t.groupEnded(group: 6, objectCount: 6)
        XCTAssertEqual(t.gaps(), [])
        var late = GapTracker()
        for o: UInt64 in [3, 4, 2] { late.objectReceived(group: 6, object: o) }
        late.groupEnded(group: 6, objectCount: 5)
        XCTAssertEqual(late.gaps(), [.objects(group: 6, 0...1, reason: .skippedAtJoin)])
    }

    func testMissingGroupsAndJoinSkip() {
        var t = GapTracker()
        t.setStart(group: 10, object: 4)
        for o: UInt64 in 4..<8 { t.objectReceived(group: 10, object: o) }
        t.objectReceived(group: 13, object: 0)
        XCTAssertEqual(t.gaps(finalGroup: 14), [
            .objects(group: 10, 0...3, reason: .skippedAtJoin),
            .groups(11...12, reason: .lost),
            .groups(14...14, reason: .lost),
        ])
    }

    func testDuplicatesAreCountedOnce() {
        var t = GapTracker()
        XCTAssertTrue(t.objectReceived(group: 0, object: 0))
        XCTAssertFalse(t.objectReceived(group: 0, object: 0))
        XCTAssertEqual(t.objectsReceived, 1)
        XCTAssertEqual(t.duplicates, 1)
    }

    func testLatencyPercentilesAndReportKeys() throws {
        var l = LatencyRecorder()
        for v in (1...100).reversed() { l.record(microseconds: Int64(v)) }
        XCTAssertEqual(l.percentile(50), 50)
        XCTAssertEqual(l.percentile(99), 99)
        XCTAssertEqual(l.percentile(100), 100)
        let report = SubscriberReport(objects: 1, groups: 1, bytes: 10, gaps: [.groups(1...2, reason: .droppedByPriority)],
                                      latencyUs: l.summary(), firstObjectAfterSubscribeMs: 12.5)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        for key in ["\"objects\"", "\"groups\"", "\"bytes\"", "\"gaps\"", "\"latency_us\"", "\"p50\"", "\"p90\"", "\"p99\"", "\"max\"",
                    "\"first_object_after_subscribe_ms\"", "\"dropped by priority\""] {
            XCTAssertTrue(json.contains(key), "missing \(key) in \(json)")
        }
        XCTAssertEqual(try JSONDecoder().decode(SubscriberReport.self, from: Data(json.utf8)), report)
    }
}
