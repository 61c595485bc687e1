import XCTest
import Media
@testable import MoQMedia

final class MediaRemuxerTests: XCTestCase {
    /// Objects of synthetic GOPs "I P B B P B B P" (B not referenced), 8 objects per group,
    /// decode timestamps counting frames across groups (frame n has dts n * 1000).
    func gop(_ group: UInt64) -> [MediaObject] {
        let classes: [VideoFrameClass] = [.i, .p, .b, .b, .p, .b, .b, .p]
        let distances: [UInt64] = [0, 1, 1, 2, 3, 1, 2, 3]
        return classes.indices.map { n in
            let dts = Int64(group * 8 + UInt64(n)) * 1000
            return MediaObject(groupID: group, objectID: UInt64(n), publisherPriority: FramePriorities.default.priority(for: classes[n]),
                               frame: LOCFrame(captureTimestampMicroseconds: 0, ptsMicroseconds: dts + 2000, dtsMicroseconds: dts,
                                               durationMicroseconds: 1000, frameClass: classes[n], isKeyframe: n == 0,
                                               referenceDistance: distances[n], payload: [UInt8(group), UInt8(n)]))
        }
    }

    func written(_ sink: CollectingSink) -> [[UInt8]] { sink.frames.map(\.data) }
    func ids(_ group: UInt8, _ objects: [UInt8]) -> [[UInt8]] { objects.map { [group, $0] } }

    func testInOrderWritesEverything() {
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink)
        for object in gop(0) + gop(1) { remuxer.receive(object) }
        XCTAssertEqual(sink.frames.count, 8, "group 0 written at once; group 1 waits for more")
        remuxer.finish()
        XCTAssertEqual(written(sink), ids(0, Array(0..<8)) + ids(1, Array(0..<8)))
        XCTAssertEqual(remuxer.report.framesWritten, 16)
        XCTAssertEqual(remuxer.report.groupsWritten, 2)
        XCTAssertEqual(remuxer.report.bytesWritten, 32)
        XCTAssertEqual(remuxer.report.skipped, [])
    }

    func testReordersWithinAGroup() {
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink)
        let objects = gop(0)
        for n in [0, 1, 4, 7, 2, 3, 5, 6] { remuxer.receive(objects[n]) }
        XCTAssertEqual(written(sink), ids(0, Array(0..<8)), "written as soon as contiguous")
        remuxer.finish()
        XCTAssertEqual(remuxer.report.skipped, [])
    }

    func testMissingBFrameSkipsOnlyItself() {
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink)
        for object in gop(0) where object.objectID != 2 { remuxer.receive(object) }
        remuxer.finish()
        XCTAssertEqual(written(sink), ids(0, [0, 1, 3, 4, 5, 6, 7]))
        XCTAssertEqual(remuxer.report.skipped, [SkippedFrame(groupID: 0, objectID: 2, reason: .notReceived)])
    }

    func testMissingPFrameSkipsTheRestOfTheGroup() {
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink)
        for object in gop(0) + gop(1) where !(object.groupID == 0 && object.objectID == 4) { remuxer.receive(object) }
        remuxer.finish()
        XCTAssertEqual(written(sink), ids(0, [0, 1, 2, 3]) + ids(1, Array(0..<8)))
        XCTAssertEqual(remuxer.report.skipped, [
            SkippedFrame(groupID: 0, objectID: 4, reason: .notReceived),
            SkippedFrame(groupID: 0, objectID: 5, reason: .dependsOnMissing, dependsOnObjectID: 4),
            SkippedFrame(groupID: 0, objectID: 6, reason: .dependsOnMissing, dependsOnObjectID: 4),
            SkippedFrame(groupID: 0, objectID: 7, reason: .dependsOnMissing, dependsOnObjectID: 4),
        ])
        XCTAssertTrue(remuxer.report.text.contains("group 0 object 5: depends on missing frame (object 4)"), remuxer.report.text)
    }

    func testJoiningMidGroupWaitsForTheNextKeyframe() {
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink)
        for object in gop(0).dropFirst(3) + gop(1) { remuxer.receive(object) }
        remuxer.finish()
        XCTAssertEqual(written(sink), ids(1, Array(0..<8)))
        XCTAssertEqual(remuxer.report.skippedCount(.notReceived), 3)
        XCTAssertEqual(remuxer.report.skippedCount(.dependsOnMissing), 5)
    }

    func testMissingGroupAndGivingUpOnAGroupWhenLaterGroupsArrive() {
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink, maxPendingGroups: 2)
        let g0 = gop(0)
        for object in g0 where object.objectID != 1 { remuxer.receive(object) }
        XCTAssertEqual(written(sink), ids(0, [0]), "waits for object 1")
        for object in gop(2) { remuxer.receive(object) }  // group 1 lost entirely; group 2 is 2 ahead
        XCTAssertEqual(written(sink), ids(0, [0]) + ids(2, Array(0..<8)), "gave up on group 0's hole")
        remuxer.receive(g0[1])
        XCTAssertEqual(remuxer.report.skipped.last, SkippedFrame(groupID: 0, objectID: 1, reason: .late))
        remuxer.finish()
        XCTAssertEqual(remuxer.report.missingGroups, [1])
        XCTAssertEqual(remuxer.report.groupsWritten, 2)
    }

    func testEndOfGroupAndCloseGroup() {
        let sink = CollectingSink()
        let remuxer = MediaRemuxer(sink: sink)
        let g0 = gop(0)
        for object in g0.prefix(5) { remuxer.receive(object) }
        remuxer.endGroup(0, objectCount: 8)
        remuxer.receive(g0[5])
        remuxer.receive(g0[7])
        XCTAssertEqual(written(sink), ids(0, [0, 1, 2, 3, 4, 5]), "object 6 may still be in flight")
        remuxer.closeGroup(0)  // its streams are done: 6 will never come
        XCTAssertEqual(written(sink), ids(0, [0, 1, 2, 3, 4, 5, 7]))
        XCTAssertEqual(remuxer.report.skipped, [SkippedFrame(groupID: 0, objectID: 6, reason: .notReceived)])
        XCTAssertEqual(remuxer.report.groupsWritten, 1)

        for object in gop(1) { remuxer.receive(object) }
        remuxer.endGroup(1, objectCount: 8)
        XCTAssertEqual(remuxer.report.groupsWritten, 2, "complete group closed at once")

        // A lost tail is named once the group's size is known.
        for object in gop(2).prefix(3) { remuxer.receive(object) }
        remuxer.endGroup(2, objectCount: 8)
        remuxer.finish()
        XCTAssertEqual(remuxer.report.skipped.filter { $0.groupID == 2 }.map(\.objectID), [3, 4, 5, 6, 7])
        XCTAssertEqual(remuxer.report.skipped.filter { $0.groupID == 2 }.map(\.reason), Array(repeating: .notReceived, count: 5))
    }

    func testBadTimestampsAndMuxerRefusalsAreSkippedNotFatal() {
        let sink = CollectingSink()
        sink.refuse = { $0.data == [0, 3] }
        let remuxer = MediaRemuxer(sink: sink)
        var objects = gop(0)
        objects[5].frame.dtsMicroseconds = objects[4].frame.dtsMicroseconds  // not increasing
        for object in objects { remuxer.receive(object) }
        remuxer.finish()
        XCTAssertEqual(written(sink), ids(0, [0, 1, 2, 4, 6, 7]))
        XCTAssertEqual(remuxer.report.skipped, [
            SkippedFrame(groupID: 0, objectID: 3, reason: .rejectedByMuxer),
            SkippedFrame(groupID: 0, objectID: 5, reason: .timestampNotIncreasing),
        ])
    }

    func testReportEncodesAsJSON() throws {
        var report = MuxReport()
        report.skipped = [SkippedFrame(groupID: 1, objectID: 2, reason: .dependsOnMissing, dependsOnObjectID: 1)]
        let data = try JSONEncoder().encode(report)
        XCTAssertEqual(try JSONDecoder().decode(MuxReport.self, from: data), report)
        XCTAssertTrue(String(decoding: data, as: UTF8.self).contains("depends on missing frame"))
    }
}
