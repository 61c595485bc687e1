import XCTest
import Wire
@testable import MoQT
import TestSupport

final class DataStreamTests: XCTestCase {
    // MARK: Subgroup streams

    /// Every valid SUBGROUP_HEADER type round-trips, and every invalid one in 0...0x7F is rejected.
    func testEverySubgroupHeaderType() throws {
        var valid = 0
        for type in UInt64(0)...0x7F {
            guard Draft18.SubgroupHeader.isValidType(type) else {
                if Draft18.SubgroupHeader.hasSubgroupForm(type) {
                    var r = ByteReader(VI64.encode(type) + [1, 2, 3, 4])
                    XCTAssertThrowsError(try Draft18.SubgroupHeader.decode(from: &r)) { XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation) }
                }
                continue
            }
            valid += 1
            let mode = (type & 0x06) >> 1
            let header = Draft18.SubgroupHeader(
                trackAlias: 9, groupID: 300,
                subgroupID: mode == 0 ? .zero : mode == 1 ? .firstObjectID : .explicit(5),
                publisherPriority: type & 0x20 != 0 ? nil : 0x80,
                hasProperties: type & 0x01 != 0, endOfGroup: type & 0x08 != 0, firstObject: type & 0x40 != 0)
            XCTAssertEqual(header.streamType, type)
            var r = ByteReader(header.encoded())
            XCTAssertEqual(try Draft18.SubgroupHeader.decode(from: &r), header)
            XCTAssertTrue(r.isAtEnd)
        }
        XCTAssertEqual(valid, 48, "0x10-0x15, 0x18-0x1D and their 0x20/0x40 variants")
    }

    /// The draft's §11.6 example: type 0x14 header, two 4-byte objects.
    func testDraftExampleSubgroupStream() throws {
        let header = Draft18.SubgroupHeader(trackAlias: 2, groupID: 0, subgroupID: .explicit(0), publisherPriority: 0)
        XCTAssertEqual(header.streamType, 0x14)
        var w = ByteWriter()
        header.encode(into: &w)
        var coder = Draft18.SubgroupObjectCoder(header: header)
        coder.encode(Draft18.SubgroupObject(objectID: 0, payload: Array("abcd".utf8)), into: &w)
        coder.encode(Draft18.SubgroupObject(objectID: 1, payload: Array("efgh".utf8)), into: &w)
        XCTAssertEqual(w.bytes, [0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x04, 0x61, 0x62, 0x63, 0x64, 0x00, 0x04, 0x65, 0x66, 0x67, 0x68])
    }

    private func randomSubgroupStream(_ rng: inout SeededGenerator) -> (Draft18.SubgroupHeader, [Draft18.SubgroupObject], [UInt8]) {
        let mode = rng.int(0...2)
        let header = Draft18.SubgroupHeader(
            trackAlias: rng.u64(), groupID: rng.u64(),
            subgroupID: mode == 0 ? .zero : mode == 1 ? .firstObjectID : .explicit(rng.u64()),
            publisherPriority: rng.maybe { $0.u8() }, hasProperties: rng.bool(), endOfGroup: rng.bool(), firstObject: rng.bool())
        var objects: [Draft18.SubgroupObject] = []
        var id = rng.u64() >> 8
        for _ in 0..<rng.int(0...12) {
            let props: ObjectProperties = header.hasProperties ? ObjectProperties(rng.properties()) : []
            switch rng.int(0...5) {
            case 0: objects.append(Draft18.SubgroupObject(objectID: id, status: rng.bool() ? .endOfGroup : .endOfTrack))
            case 1: objects.append(Draft18.SubgroupObject(objectID: id, properties: props, payload: []))
            default: objects.append(Draft18.SubgroupObject(objectID: id, properties: props, payload: rng.bytes(rng.int(1...300))))
            }
            id += UInt64(rng.int(1...4))
        }
        var w = ByteWriter()
        header.encode(into: &w)
        var coder = Draft18.SubgroupObjectCoder(header: header)
        for o in objects { coder.encode(o, into: &w) }
        return (header, objects, w.bytes)
    }

    func testSubgroupStreamsRoundTripWholeAndByteByByte() throws {
        var rng = SeededGenerator(seed: 0x50b)
        for _ in 0..<400 {
            let (header, objects, bytes) = randomSubgroupStream(&rng)
            var expected: [Draft18.DataStreamParser.Event] = [.subgroupHeader(header)]
            expected += objects.map { .subgroupObject($0) }

            var whole = Draft18.DataStreamParser()
            whole.append(bytes)
            XCTAssertEqual(try whole.drain(), expected)
            XCTAssertNoThrow(try whole.finish())
            if let first = objects.first {
                XCTAssertEqual(whole.subgroupID, header.resolvedSubgroupID(firstObjectID: first.objectID))
            }

            var bytewise = Draft18.DataStreamParser()
            var events: [Draft18.DataStreamParser.Event] = []
            for b in bytes {
                bytewise.append([b])
                events += try bytewise.drain()
            }
            XCTAssertEqual(events, expected)
            XCTAssertNoThrow(try bytewise.finish())
        }
    }

    // MARK: Fetch streams

    private func randomFetchStream(_ rng: inout SeededGenerator, order: GroupOrder) -> [Draft18.FetchStreamItem] {
        var items: [Draft18.FetchStreamItem] = []
        var group: UInt64 = order == .ascending ? UInt64(rng.int(0...1000)) : UInt64(rng.int(1000...100_000))
        var object = UInt64(rng.int(0...5))
        var subgroup: UInt64 = 0
        for i in 0..<rng.int(1...20) {
            if i > 0 {
                switch rng.int(0...3) {
                case 0:
                    let step = UInt64(rng.int(1...5))
                    group = order == .ascending ? group + step : group - step
                    object = UInt64(rng.int(0...3))
                case 1: object += UInt64(rng.int(0...3))
                default: object += 1
                }
            }
            if rng.int(0...9) == 0 {
                items.append(.endOfRange(Location(group: group, object: object), nonExistent: rng.bool()))
                continue
            }
            switch rng.int(0...4) {
            case 0: subgroup += 1
            case 1: subgroup = UInt64(rng.int(0...9))
            default: break
            }
            let forwarding: ObjectForwardingPreference = rng.int(0...6) == 0 ? .datagram : .subgroup(subgroup)
            let priority = rng.int(0...3) == 0 ? rng.u8() : 7
            if rng.int(0...7) == 0 {
                // An empty object: fetch streams carry no status, so it decodes as an empty normal object.
                items.append(.object(Draft18.FetchObject(location: Location(group: group, object: object), forwarding: forwarding,
                                                         publisherPriority: priority, payload: [])))
                continue
            }
            items.append(.object(Draft18.FetchObject(location: Location(group: group, object: object), forwarding: forwarding,
                                                     publisherPriority: priority,
                                                     properties: rng.bool() ? ObjectProperties(rng.properties()) : [],
                                                     payload: rng.bytes(rng.int(0...100)))))
        }
        return items
    }

    func testFetchStreamsRoundTripWholeAndByteByByte() throws {
        var rng = SeededGenerator(seed: 0xfe7c)
        for i in 0..<400 {
            let order: GroupOrder = i % 2 == 0 ? .ascending : .descending
            let items = randomFetchStream(&rng, order: order)
            let requestID = rng.u64()
            var w = ByteWriter()
            Draft18.FetchHeader(requestID: requestID).encode(into: &w)
            var coder = Draft18.FetchObjectCoder(groupOrder: order)
            for item in items { coder.encode(item, into: &w) }
            let expected: [Draft18.DataStreamParser.Event] = [.fetchHeader(Draft18.FetchHeader(requestID: requestID))] + items.map { .fetchItem($0) }

            var whole = Draft18.DataStreamParser(groupOrderForFetch: { $0 == requestID ? order : .ascending })
            whole.append(w.bytes)
            XCTAssertEqual(try whole.drain(), expected)

            var bytewise = Draft18.DataStreamParser(groupOrderForFetch: { _ in order })
            var events: [Draft18.DataStreamParser.Event] = []
            for b in w.bytes {
                bytewise.append([b])
                events += try bytewise.drain()
            }
            XCTAssertEqual(events, expected)
            XCTAssertNoThrow(try bytewise.finish())
        }
    }

    /// Serialization flags on the wire for a small ascending fetch.
    func testFetchFlagsOnTheWire() {
        var coder = Draft18.FetchObjectCoder()
        var w = ByteWriter()
        let o1 = Draft18.FetchObject(location: Location(group: 5, object: 0), forwarding: .subgroup(0), publisherPriority: 3, payload: [0xaa])
        let o2 = Draft18.FetchObject(location: Location(group: 5, object: 1), forwarding: .subgroup(0), publisherPriority: 3, payload: [])
        let o3 = Draft18.FetchObject(location: Location(group: 7, object: 0), forwarding: .subgroup(1), publisherPriority: 3, payload: [])
        coder.encode(.object(o1), into: &w)
        coder.encode(.object(o2), into: &w)
        coder.encode(.object(o3), into: &w)
        coder.encode(.endOfRange(Location(group: 9, object: 2), nonExistent: true), into: &w)
        XCTAssertEqual(w.bytes, [
            0x1C, 0x05, 0x00, 0x03, 0x01, 0xaa,   // group+object+priority present, subgroup zero
            0x00, 0x00,                            // everything implied; empty payload (no status on fetch streams)
            0x0E, 0x01, 0x00, 0x00,                // group delta 1 (5 -> 7), subgroup prior+1, object 0, empty
            0x80, 0x8C, 0x09, 0x02,                // End of Non-Existent Range at {9, 2}
        ])
    }

    /// Fetch objects checked against wire images derived independently from the draft by
    /// another draft-18 implementation's conformance tests (aiomoqt, `test_wire_conformance.py`).
    func testFetchObjectsMatchIndependentWireImages() throws {
        func encode(_ objects: [Draft18.FetchObject], order: GroupOrder = .ascending) -> [[UInt8]] {
            var coder = Draft18.FetchObjectCoder(groupOrder: order)
            return objects.map { o in
                var w = ByteWriter()
                coder.encode(.object(o), into: &w)
                return w.bytes
            }
        }
        let a = encode([
            Draft18.FetchObject(location: Location(group: 2, object: 0), forwarding: .subgroup(0), publisherPriority: 128,
                                properties: [KeyValuePair(type: 8, integer: 1000)], payload: Array("hi".utf8)),
            Draft18.FetchObject(location: Location(group: 2, object: 1), forwarding: .subgroup(0), publisherPriority: 128, payload: Array("x".utf8)),
            Draft18.FetchObject(location: Location(group: 3, object: 0), forwarding: .subgroup(0), publisherPriority: 128, payload: Array("y".utf8)),
        ])
        XCTAssertEqual(a, [[0x3c, 0x02, 0x00, 0x80, 0x03, 0x08, 0x83, 0xe8, 0x02, 0x68, 0x69], [0x00, 0x01, 0x78], [0x0c, 0x00, 0x00, 0x01, 0x79]])
        let b = encode([
            Draft18.FetchObject(location: Location(group: 1, object: 0), forwarding: .subgroup(0), publisherPriority: 200, payload: Array("tt".utf8)),
            Draft18.FetchObject(location: Location(group: 1, object: 1), forwarding: .subgroup(0), publisherPriority: 200, payload: []),
            Draft18.FetchObject(location: Location(group: 1, object: 2), forwarding: .subgroup(0), publisherPriority: 200, payload: [0x7a]),
        ])
        // A zero Payload Length is followed by nothing: no Object Status on fetch streams (§11.2.1.1).
        XCTAssertEqual(b, [[0x1c, 0x01, 0x00, 0xc8, 0x02, 0x74, 0x74], [0x00, 0x00], [0x00, 0x01, 0x7a]])
        var db = Draft18.FetchObjectCoder()
        var rb = ByteReader(b.flatMap { $0 })
        var decoded: [Draft18.FetchStreamItem] = []
        for _ in 0..<3 { decoded.append(try db.decode(from: &rb)) }
        XCTAssertTrue(rb.isAtEnd)
        guard case .object(let empty) = decoded[1] else { return XCTFail("no object") }
        XCTAssertEqual(empty.payload, [])
        XCTAssertEqual(empty.status, .normal)
        let c = encode([
            Draft18.FetchObject(location: Location(group: 5, object: 0), forwarding: .subgroup(0), publisherPriority: 1, payload: [0x61]),
            Draft18.FetchObject(location: Location(group: 3, object: 0), forwarding: .subgroup(0), publisherPriority: 1, payload: [0x62]),
        ], order: .descending)
        XCTAssertEqual(c[1][1], 1, "descending 5 -> 3 is delta 1")
        var eor = Draft18.FetchObjectCoder()
        var w = ByteWriter()
        eor.encode(.endOfRange(Location(group: 7, object: 9), nonExistent: true), into: &w)
        XCTAssertEqual(w.bytes, [0x80, 0x8C, 0x07, 0x09])
        // And they decode back.
        var d = Draft18.FetchObjectCoder()
        var r = ByteReader(a.flatMap { $0 })
        for _ in 0..<3 { _ = try d.decode(from: &r) }
        XCTAssertTrue(r.isAtEnd)
    }

    // MARK: Datagrams

    func testEveryDatagramTypeRoundTrips() throws {
        var valid = 0
        for type in UInt64(0)...0x3F {
            guard Draft18.ObjectDatagram.isValidType(type) else {
                XCTAssertThrowsError(try Draft18.ObjectDatagram.decode(VI64.encode(type) + [1, 2, 3, 4, 5])) {
                    XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation)
                }
                continue
            }
            valid += 1
            let d = Draft18.ObjectDatagram(
                trackAlias: 4, groupID: 8, objectID: type & 0x04 != 0 ? 0 : 15,
                publisherPriority: type & 0x08 != 0 ? nil : 1, endOfGroup: type & 0x02 != 0,
                properties: type & 0x01 != 0 ? [KeyValuePair(type: 0x3C, integer: 2)] : [],
                content: type & 0x20 != 0 ? .status(.normal) : .payload([1, 2, 3]))
            XCTAssertEqual(d.datagramType, type)
            XCTAssertEqual(try Draft18.ObjectDatagram.decode(d.encoded()), d)
            XCTAssertEqual(try Draft18.Datagram.decode(d.encoded()), .object(d))
        }
        XCTAssertEqual(valid, 24)
        XCTAssertEqual(try Draft18.Datagram.decode(Draft18.Datagram.padding(10).encoded()), .padding(10))
    }

    func testRandomDatagramsRoundTrip() throws {
        var rng = SeededGenerator(seed: 0xda7a)
        for _ in 0..<3_000 {
            let status = rng.int(0...3) == 0
            let statusValue: ObjectStatus = status ? [.normal, .endOfGroup, .endOfTrack][rng.int(0...2)] : .normal
            let d = Draft18.ObjectDatagram(
                trackAlias: rng.u64(), groupID: rng.u64(), objectID: rng.bool() ? 0 : rng.u64(),
                publisherPriority: rng.maybe { $0.u8() }, endOfGroup: !status && rng.bool(),
                properties: statusValue == .normal && rng.bool() ? ObjectProperties(rng.properties()) : [],
                content: status ? .status(statusValue) : .payload(rng.bytes(rng.int(0...200))))
            XCTAssertEqual(try Draft18.ObjectDatagram.decode(d.encoded()), d)
        }
    }

    /// A track alias written with a fixed length can be found and rewritten in place, and the
    /// result decodes with the new alias (what a forwarding fast path does per subscriber).
    func testTrackAliasRewriteInPlace() throws {
        let header = Draft18.SubgroupHeader(trackAlias: 5, groupID: 9, subgroupID: .explicit(1), publisherPriority: 3)
        var w = ByteWriter()
        header.encode(into: &w, trackAliasLength: 4)
        var bytes = w.bytes
        guard let range = Draft18.SubgroupHeader.trackAliasRange(in: bytes) else { return XCTFail() }
        XCTAssertEqual(range, 1..<5)
        var alias = ByteWriter()
        alias.writeVI64(200_000, length: range.count)
        bytes.replaceSubrange(range, with: alias.bytes)
        var r = ByteReader(bytes)
        var expected = header
        expected.trackAlias = 200_000
        XCTAssertEqual(try Draft18.SubgroupHeader.decode(from: &r), expected)
        XCTAssertNil(Draft18.SubgroupHeader.trackAliasRange(in: [0x05, 0x01]))
        XCTAssertNil(Draft18.SubgroupHeader.trackAliasRange(in: [0x14]))

        let d = Draft18.ObjectDatagram(trackAlias: 7, groupID: 1, objectID: 2, publisherPriority: nil, content: .payload([1, 2]))
        var db = d.encoded(trackAliasLength: 2)
        guard let dr = Draft18.ObjectDatagram.trackAliasRange(in: db) else { return XCTFail() }
        XCTAssertEqual(dr.count, 2)
        var a = ByteWriter()
        a.writeVI64(1000, length: 2)
        db.replaceSubrange(dr, with: a.bytes)
        var moved = d
        moved.trackAlias = 1000
        XCTAssertEqual(try Draft18.ObjectDatagram.decode(db), moved)
    }

    // MARK: Stream types

    func testStreamTypeClassification() throws {
        XCTAssertEqual(try Draft18.UniStreamType.classify(0x05), .fetch)
        XCTAssertEqual(try Draft18.UniStreamType.classify(0x2F00), .control)
        XCTAssertEqual(try Draft18.UniStreamType.classify(0x132B3E28), .padding)
        XCTAssertEqual(try Draft18.UniStreamType.classify(0x14), .subgroup(0x14))
        XCTAssertEqual(try Draft18.UniStreamType.classify(0x7D), .subgroup(0x7D))

        // A control stream is recognised and its bytes handed over intact.
        let setup = Draft18.ControlMessage.setup(Draft18.Setup(options: SetupOptions(implementation: "x"))).encoded()
        var p = Draft18.DataStreamParser()
        p.append(setup)
        XCTAssertEqual(try p.next(), .controlStream)
        XCTAssertNil(try p.next())
        var c = Draft18.ControlStreamParser()
        c.append(p.takeBufferedBytes())
        XCTAssertEqual(try c.next(), .setup(Draft18.Setup(options: SetupOptions(implementation: "x"))))

        // Padding is discarded.
        var pad = Draft18.DataStreamParser()
        pad.append(VI64.encode(0x132B3E28) + [0, 0, 0])
        XCTAssertEqual(try pad.drain(), [.padding(0), .padding(3)])
        XCTAssertNoThrow(try pad.finish())
    }
}
