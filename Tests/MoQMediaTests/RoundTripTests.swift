import XCTest
import TestSupport
import Media
import MoQMedia

/// The whole media pipeline without a network: file -> objects -> bytes -> objects -> MPEG-TS.
final class RoundTripTests: XCTestCase {
    /// Publishes `path`: the catalog's bytes and every object in wire form.
    func publish(_ path: String, priorities: FramePriorities = .default) throws -> (catalog: [UInt8], objects: [WireObject]) {
        let source = try MediaObjectSource(path: path, priorities: priorities)
        var objects: [WireObject] = []
        let start: UInt64 = 1_700_000_000_000_000
        while let object = try source.nextObject(captureTimestamp: { start &+ UInt64(max(0, $0 + 1_000_000)) }) {
            objects.append(WireObject(object))
        }
        // Mark the last object of each group (in decode order) with the group's size.
        for index in objects.indices where index + 1 == objects.count || objects[index + 1].groupID != objects[index].groupID {
            objects[index].endOfGroup = objects[index].objectID + 1
        }
        return (source.catalog(trackName: "video").encoded(), objects)
    }

    /// Subscribes: reads the catalog, decodes each object's properties and payload, remuxes to `output`.
    func subscribe(catalog: [UInt8], objects: [WireObject], output: String) throws -> MuxReport {
        let writer = try MediaTrackWriter(catalog: catalog, trackName: "video", output: output)
        for object in objects {
            let (properties, payload) = try object.propertiesAndPayload()
            try writer.receive(groupID: object.groupID, objectID: object.objectID, publisherPriority: object.priority,
                               properties: properties, payload: payload)
            // The publisher ends each group with an END_OF_GROUP status naming its size.
            if let end = object.endOfGroup { writer.endGroup(object.groupID, objectCount: end) }
        }
        return try writer.finish()
    }

    /// With no loss, the TS decodes to exactly the source's frames, for every clip and container.
    func testEveryClipRoundTripsToIdenticalFrames() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        // An MPEG-TS input too: made from test-bframes.mp4 by this pipeline itself.
        let tsInput = dir.appendingPathComponent("input.ts").path
        let seed = try publish(try TestMedia.clip("test-bframes.mp4"))
        _ = try subscribe(catalog: seed.catalog, objects: seed.objects, output: tsInput)

        for path in try TestMedia.clips.map(TestMedia.clip) + [tsInput] {
            let name = URL(fileURLWithPath: path).lastPathComponent
            let published = try publish(path)
            XCTAssertEqual(published.objects.count, TestMedia.frameCount, name)
            XCTAssertEqual(Set(published.objects.map(\.groupID)), [0, 1, 2], name)
            let output = dir.appendingPathComponent("out-\(name).ts").path
            let report = try subscribe(catalog: published.catalog, objects: published.objects, output: output)
            XCTAssertEqual(report.framesWritten, TestMedia.frameCount, name)
            XCTAssertEqual(report.groupsWritten, 3, name)
            XCTAssertEqual(report.skipped, [], name)
            let expected = try TestMedia.videoFrameMD5s(path)
            XCTAssertEqual(expected.count, TestMedia.frameCount, name)
            XCTAssertEqual(try TestMedia.videoFrameMD5s(output), expected, name)
        }
    }

    /// Objects of a group arrive on several streams (one per frame class): the remuxer restores
    /// decode order and the output is still identical.
    func testOutOfOrderArrivalPerFrameClassStream() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let path = try TestMedia.clip("test-bframes.mp4")
        let published = try publish(path)
        // Per group: the I stream, then the P stream, then the B stream.
        var reordered: [WireObject] = []
        for group in Set(published.objects.map(\.groupID)).sorted() {
            let objects = published.objects.filter { $0.groupID == group }
            reordered += objects.sorted { ($0.priority, $0.objectID) < ($1.priority, $1.objectID) }
        }
        XCTAssertNotEqual(reordered.map(\.objectID), published.objects.map(\.objectID))
        let output = dir.appendingPathComponent("out.ts").path
        let report = try subscribe(catalog: published.catalog, objects: reordered, output: output)
        XCTAssertEqual(report.skipped, [])
        XCTAssertEqual(try TestMedia.videoFrameMD5s(output), try TestMedia.videoFrameMD5s(path))
    }

    /// Every P frame of group 1 is lost: the TS still decodes cleanly, group 1 keeps only its
    /// I frame, and the report names each skipped frame.
    func testDroppingEveryPFrameOfOneGroup() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        for clip in ["test.mp4", "test-bframes.mp4"] {
            let path = try TestMedia.clip(clip)
            let published = try publish(path)
            let pPriority = FramePriorities.default.p
            let dropped = published.objects.filter { $0.groupID == 1 && $0.priority == pPriority }
            XCTAssertGreaterThanOrEqual(dropped.count, 9, clip)
            // Dropped objects vanish; the group's end marker still arrives (it travels with the I stream).
            var kept = published.objects.filter { !($0.groupID == 1 && $0.priority == pPriority) }
            if let last = kept.lastIndex(where: { $0.groupID == 1 }) { kept[last].endOfGroup = UInt64(published.objects.filter { $0.groupID == 1 }.count) }
            let output = dir.appendingPathComponent("\(clip)-dropped.ts").path
            let report = try subscribe(catalog: published.catalog, objects: kept, output: output)

            let group1 = published.objects.filter { $0.groupID == 1 }
            // Group 1: object 0 (I) written; every other object is a dropped P or depends on one.
            XCTAssertEqual(report.framesWritten, TestMedia.frameCount - (group1.count - 1), clip)
            XCTAssertEqual(report.skipped.count, group1.count - 1, clip)
            XCTAssertEqual(Set(report.skipped.map(\.groupID)), [1], clip)
            XCTAssertEqual(Set(report.skipped.map(\.objectID)), Set(group1.map(\.objectID).filter { $0 != 0 }), clip)
            for skip in report.skipped {
                let wasDropped = dropped.contains { $0.objectID == skip.objectID }
                XCTAssertEqual(skip.reason, wasDropped ? .notReceived : .dependsOnMissing, "\(clip) \(skip)")
                if skip.reason == .dependsOnMissing { XCTAssertNotNil(skip.dependsOnObjectID) }
            }
            XCTAssertTrue(report.text.contains("group 1 object 1: not received"), report.text)

            // ffmpeg decodes it without a single error, and exactly the written frames come out.
            let decode = try TestMedia.run("ffmpeg", ["-v", "error", "-nostdin", "-i", output, "-f", "null", "-"])
            XCTAssertEqual(decode.status, 0, decode.stderr)
            XCTAssertEqual(decode.stderr, "", clip)
            let decoded = try TestMedia.videoFrameMD5s(output)
            XCTAssertEqual(decoded.count, report.framesWritten, clip)
            if clip == "test.mp4" {
                // No B-frames: output order is decode order, so the frames are the source's minus group 1's tail.
                var expected = try TestMedia.videoFrameMD5s(path)
                expected.removeSubrange(31..<60)
                XCTAssertEqual(decoded, expected)
            }
        }
    }

    /// Losing B frames (the relay's first victims) costs exactly those frames.
    func testDroppingBFramesCostsOnlyThoseFrames() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let path = try TestMedia.clip("test-bframes.mp4")
        let published = try publish(path)
        let kept = published.objects.filter { $0.priority != FramePriorities.default.b }
        let droppedCount = published.objects.count - kept.count
        XCTAssertGreaterThan(droppedCount, 40)
        let output = dir.appendingPathComponent("no-b.ts").path
        let report = try subscribe(catalog: published.catalog, objects: kept, output: output)
        XCTAssertEqual(report.skippedCount(.dependsOnMissing), 0, report.text)
        // B objects missing at the end of a group are invisible to the remuxer (nothing follows them).
        XCTAssertLessThanOrEqual(report.skippedCount(.notReceived), droppedCount)
        XCTAssertEqual(report.framesWritten, kept.count)
        let decode = try TestMedia.run("ffmpeg", ["-v", "error", "-nostdin", "-i", output, "-f", "null", "-"])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        XCTAssertEqual(decode.stderr, "")
        XCTAssertEqual(try TestMedia.videoFrameMD5s(output).count, kept.count)
    }

    /// A malformed object is rejected with a typed error and then treated as missing.
    func testMalformedObjectIsRejectedAndTreatedAsMissing() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let published = try publish(try TestMedia.clip("test.mp4"))
        let output = dir.appendingPathComponent("bad.ts").path
        let writer = try MediaTrackWriter(catalog: published.catalog, trackName: "video", output: output)
        var rejected = 0
        for object in published.objects {
            var (properties, payload) = try object.propertiesAndPayload()
            if object.groupID == 0 && object.objectID == 10 {
                properties.pairs = properties.pairs.filter { $0.type != LOCPropertyType.dts }
            }
            do {
                try writer.receive(groupID: object.groupID, objectID: object.objectID, publisherPriority: object.priority,
                                   properties: properties, payload: payload)
            } catch {
                XCTAssertEqual(error, .missingProperty(LOCPropertyType.dts))
                rejected += 1
            }
        }
        let report = try writer.finish()
        XCTAssertEqual(rejected, 1)
        XCTAssertEqual(report.skipped.first, SkippedFrame(groupID: 0, objectID: 10, reason: .notReceived))
        XCTAssertEqual(report.skipped.count, 20, "objects 10-29 of group 0")
        XCTAssertEqual(report.framesWritten, 70)
        let decode = try TestMedia.run("ffmpeg", ["-v", "error", "-nostdin", "-i", output, "-f", "null", "-"])
        XCTAssertEqual(decode.status, 0, decode.stderr)
        XCTAssertEqual(decode.stderr, "")
    }
}
