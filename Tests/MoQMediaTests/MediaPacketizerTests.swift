import XCTest
import TestSupport
import Media
@testable import MoQMedia

final class MediaPacketizerTests: XCTestCase {
    func frame(_ frameClass: VideoFrameClass, key: Bool = false, reference: Bool = true, dts: Int64 = 0) -> EncodedVideoFrame {
        EncodedVideoFrame(data: [1], ptsMicroseconds: dts, dtsMicroseconds: dts, durationMicroseconds: 10,
                          isKeyframe: key, frameClass: frameClass, isReference: reference)
    }

    func testGroupsObjectsPrioritiesAndDependencies() {
        var packetizer = MediaPacketizer(priorities: FramePriorities(i: 7, p: 8, b: 9), firstGroupID: 100)
        let input = [frame(.p), frame(.b, reference: false),                 // before any keyframe
                     frame(.i, key: true), frame(.p), frame(.b, reference: false), frame(.b, reference: false), frame(.p),
                     frame(.i, key: true), frame(.i), frame(.p)]
        let objects = input.enumerated().compactMap { n, f in packetizer.packetize(f, captureTimestamp: UInt64(n)) }
        XCTAssertEqual(packetizer.framesBeforeFirstKeyframe, 2)
        XCTAssertEqual(objects.map(\.groupID), [100, 100, 100, 100, 100, 101, 101, 101])
        XCTAssertEqual(objects.map(\.objectID), [0, 1, 2, 3, 4, 0, 1, 2])
        XCTAssertEqual(objects.map(\.publisherPriority), [7, 8, 9, 9, 8, 7, 7, 8])
        // B frames are not referenced: the second P needs object 1, not the B frames before it.
        XCTAssertEqual(objects.map(\.frame.referenceDistance), [0, 1, 1, 2, 3, 0, 1, 1])
        XCTAssertEqual(objects.map(\.frame.captureTimestampMicroseconds), [2, 3, 4, 5, 6, 7, 8, 9])
    }

    func testClipGroupsFollowGOPs() throws {
        for clip in ["test.mp4", "test-bframes.mp4"] {
            let source = try MediaObjectSource(path: try TestMedia.clip(clip))
            var objects: [MediaObject] = []
            while let object = try source.nextObject(captureTimestamp: { _ in 0 }) { objects.append(object) }
            XCTAssertEqual(objects.count, TestMedia.frameCount)
            for group in UInt64(0)..<3 {
                let members = objects.filter { $0.groupID == group }
                XCTAssertEqual(members.map(\.objectID), Array(0..<30), clip)
                XCTAssertTrue(members[0].frame.isKeyframe, clip)
                XCTAssertEqual(members.filter(\.frame.isKeyframe).count, 1, clip)
            }
            for object in objects {
                XCTAssertEqual(object.publisherPriority, FramePriorities.default.priority(for: object.frame.frameClass))
            }
        }
    }

    func testPriorities() {
        XCTAssertEqual(FramePriorities.default, FramePriorities(i: 1, p: 2, b: 3))
        XCTAssertTrue(FramePriorities.default.isOrdered)
        XCTAssertFalse(FramePriorities(i: 3, p: 2, b: 1).isOrdered)
        XCTAssertLessThan(FramePriorities.catalog, FramePriorities.default.i)
    }

    func testLoopingKeepsTimestampsAndGroupsIncreasing() throws {
        let source = try MediaObjectSource(path: try TestMedia.clip("test-bframes.mp4"), loop: true)
        var objects: [MediaObject] = []
        for _ in 0..<(2 * TestMedia.frameCount + 5) {
            objects.append(try XCTUnwrap(try source.nextObject(captureTimestamp: { _ in 0 })))
        }
        XCTAssertEqual(source.passes, 2)
        XCTAssertEqual(Set(objects.map(\.groupID)), Set(0..<7))
        for pair in zip(objects, objects.dropFirst()) {
            XCTAssertLessThan(pair.0.frame.dtsMicroseconds, pair.1.frame.dtsMicroseconds)
        }
        // The second pass is the first shifted by the clip's length (3 s).
        let shift = objects[90].frame.ptsMicroseconds - objects[0].frame.ptsMicroseconds
        XCTAssertEqual(shift, 3_000_000, accuracy: 2)
        XCTAssertEqual(objects[90].frame.payload, objects[0].frame.payload)
        XCTAssertNil(try MediaObjectSource(path: try TestMedia.clip("test.mp4")).nextObjectAfterEnd())
    }
}

private extension MediaObjectSource {
    /// Reads the whole (non-looping) source, then one more time.
    func nextObjectAfterEnd() throws -> MediaObject? {
        while try nextObject(captureTimestamp: { _ in 0 }) != nil {}
        return try nextObject(captureTimestamp: { _ in 0 })
    }
}
