import XCTest
import Wire
@testable import MoQT

final class ModelTests: XCTestCase {
    func testLocationOrder() {
        XCTAssertLessThan(Location(group: 1, object: 9), Location(group: 2, object: 0))
        XCTAssertLessThan(Location(group: 2, object: 0), Location(group: 2, object: 1))
        XCTAssertFalse(Location(group: 2, object: 1) < Location(group: 2, object: 1))
    }

    func testNamespacePrefixesAndRendering() {
        let ns: TrackNamespace = ["example.net", "team2", "project_x"]
        XCTAssertTrue(ns.hasPrefix(["example.net"]))
        XCTAssertTrue(ns.hasPrefix([]))
        XCTAssertFalse(ns.hasPrefix(["example.net", "team3"]))
        XCTAssertEqual(ns.suffix(after: ["example.net"]), ["team2", "project_x"])
        XCTAssertNil(ns.suffix(after: ["other"]))
        XCTAssertEqual(TrackNamespace(strings: ["team2", "project_x"]).prepending(["example.net"]), ns)
        // §1.5 example.
        XCTAssertEqual(FullTrackName(namespace: ns, name: "report").description, "example.2enet-team2-project_x--report")
        XCTAssertEqual(TrackNamespace.render([0x00, 0xff, 0x41]), ".00.ffA")
    }

    func testTrackPropertiesValidation() throws {
        XCTAssertEqual(try TrackProperties().defaultPublisherPriority(), 128)
        XCTAssertEqual(try TrackProperties().defaultGroupOrder(), .ascending)
        XCTAssertFalse(try TrackProperties().dynamicGroups())
        let good = TrackProperties([KeyValuePair(type: 0x0E, integer: 5), KeyValuePair(type: 0x22, integer: 2), KeyValuePair(type: 0x30, integer: 1),
                                    KeyValuePair(type: 0x04, integer: 9000)])
        XCTAssertEqual(try good.defaultPublisherPriority(), 5)
        XCTAssertEqual(try good.defaultGroupOrder(), .descending)
        XCTAssertTrue(try good.dynamicGroups())
        XCTAssertEqual(good.maxCacheDuration, 9000)
        for bad in [KeyValuePair(type: 0x0E, integer: 256), KeyValuePair(type: 0x22, integer: 3), KeyValuePair(type: 0x30, integer: 2)] {
            let p = TrackProperties([bad])
            XCTAssertThrowsError(try { _ = try p.defaultPublisherPriority(); _ = try p.defaultGroupOrder(); _ = try p.dynamicGroups() }()) {
                XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation)
            }
        }
        XCTAssertEqual(TrackProperties([KeyValuePair(type: 0x4000, integer: 1), KeyValuePair(type: 0x4002, integer: 1)]).unsupportedMandatory(understood: [0x4002]), [0x4000])
    }

    func testImmutableObjectProperties() throws {
        var inner = ByteWriter()
        KeyValuePair.encodeList([KeyValuePair(type: 0x3C, integer: 2)], into: &inner)
        let props: ObjectProperties = [KeyValuePair(type: 0x0B, bytes: inner.bytes), KeyValuePair(type: 0x3E, integer: 4)]
        XCTAssertEqual(try props.immutable(), [KeyValuePair(type: 0x3C, integer: 2)])
        XCTAssertEqual(props.priorObjectIDGap, 4)
        var nested = ByteWriter()
        KeyValuePair.encodeList([KeyValuePair(type: 0x0B, bytes: [])], into: &nested)
        XCTAssertThrowsError(try ObjectProperties([KeyValuePair(type: 0x0B, bytes: nested.bytes)]).immutable())
        XCTAssertTrue(ObjectProperties([KeyValuePair(type: 0x4000, integer: 0)]).hasMandatoryTrackProperty)
    }

    func testTrackObjectFromWireForms() {
        let header = Draft18.SubgroupHeader(trackAlias: 1, groupID: 4, subgroupID: .firstObjectID, publisherPriority: nil)
        let o = TrackObject(Draft18.SubgroupObject(objectID: 7, payload: [1]), header: header, subgroupID: 7, defaultPriority: 9)
        XCTAssertEqual(o, TrackObject(location: Location(group: 4, object: 7), forwarding: .subgroup(7), publisherPriority: 9, payload: [1]))
        let d = TrackObject(Draft18.ObjectDatagram(trackAlias: 1, groupID: 2, objectID: 0, publisherPriority: 3, content: .status(.endOfTrack)))
        XCTAssertEqual(d.status, .endOfTrack)
        XCTAssertEqual(d.forwarding, .datagram)
        XCTAssertEqual(d.publisherPriority, 3)
        XCTAssertEqual(Draft18.ControlMessage.fetch(Draft18.Fetch(requestID: 0, range: .relativeJoining(requestID: 0, groupsBack: 1))).requestKind, .fetch)
        XCTAssertNil(Draft18.ControlMessage.requestOK(Draft18.RequestOK()).requestKind)
    }
}
