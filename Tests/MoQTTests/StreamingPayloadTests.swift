import XCTest
import Wire
@testable import MoQT
import TestSupport

/// The streaming mode of `DataStreamParser`: objects as header + payload chunks, fed in random
/// pieces, reassemble to exactly what the whole-object mode yields.
final class StreamingPayloadTests: XCTestCase {
    private typealias Event = Draft18.DataStreamParser.Event

    /// Folds header + chunk events back into whole-object events.
    private func reassemble(_ events: [Event]) -> [Event] {
        var out: [Event] = []
        var sub: Draft18.SubgroupObjectHeader?
        var fetch: Draft18.FetchObjectHeader?
        var payload: [UInt8] = []
        func flush() {
            if let h = sub {
                out.append(.subgroupObject(h.status == .normal ? Draft18.SubgroupObject(objectID: h.objectID, properties: h.properties, payload: payload)
                                                               : Draft18.SubgroupObject(objectID: h.objectID, status: h.status)))
            } else if let h = fetch {
                out.append(.fetchItem(.object(Draft18.FetchObject(location: h.location, forwarding: h.forwarding, publisherPriority: h.publisherPriority,
                                                                  properties: h.properties, payload: payload, status: h.status))))
            }
            sub = nil
            fetch = nil
            payload = []
        }
        for e in events {
            switch e {
            case .subgroupObjectHeader(let h):
                sub = h
                if h.payloadLength == 0 { flush() }
            case .fetchObjectHeader(let h):
                fetch = h
                if h.payloadLength == 0 { flush() }
            case .payload(let chunk, let isFinal):
                payload += chunk
                if isFinal { flush() }
            default:
                out.append(e)
            }
        }
        return out
    }

    private func feed(_ bytes: [UInt8], _ parser: inout Draft18.DataStreamParser, _ rng: inout SeededGenerator) throws -> [Event] {
        var events: [Event] = []
        var i = 0
        while i < bytes.count {
            let n = min(bytes.count - i, rng.int(1...40))
            parser.append(bytes[i..<i + n])
            events += try parser.drain()
            i += n
        }
        try parser.finish()
        return events
    }

    func testSubgroupStreamingMatchesWholeObjects() throws {
        var rng = SeededGenerator(seed: 0x57ea)
        for _ in 0..<300 {
            let header = Draft18.SubgroupHeader(trackAlias: rng.u64(), groupID: rng.u64(), subgroupID: .firstObjectID,
                                                publisherPriority: rng.maybe { $0.u8() }, hasProperties: rng.bool())
            var w = ByteWriter()
            header.encode(into: &w)
            var coder = Draft18.SubgroupObjectCoder(header: header)
            var id = UInt64(rng.int(0...100))
            for _ in 0..<rng.int(0...8) {
                let o = rng.int(0...4) == 0 ? Draft18.SubgroupObject(objectID: id, status: .endOfGroup)
                    : Draft18.SubgroupObject(objectID: id, properties: header.hasProperties ? ObjectProperties(rng.properties()) : [],
                                             payload: rng.bytes(rng.int(0...500)))
                coder.encode(o, into: &w)
                id += 1
            }
            var whole = Draft18.DataStreamParser()
            whole.append(w.bytes)
            let expected = try whole.drain()
            var streaming = Draft18.DataStreamParser(streamPayloads: true)
            let events = try feed(w.bytes, &streaming, &rng)
            XCTAssertEqual(reassemble(events), expected)
            XCTAssertEqual(streaming.subgroupID, whole.subgroupID)
        }
    }

    func testFetchStreamingMatchesWholeObjects() throws {
        var rng = SeededGenerator(seed: 0xfe7)
        for _ in 0..<300 {
            var w = ByteWriter()
            Draft18.FetchHeader(requestID: 3).encode(into: &w)
            var coder = Draft18.FetchObjectCoder()
            var group: UInt64 = 10
            var object: UInt64 = 0
            for _ in 0..<rng.int(1...8) {
                if rng.int(0...5) == 0 {
                    coder.encode(.endOfRange(Location(group: group + 1, object: 3), nonExistent: rng.bool()), into: &w)
                    group += 2
                    object = 0
                }
                coder.encode(.object(Draft18.FetchObject(location: Location(group: group, object: object), forwarding: .subgroup(0),
                                                         publisherPriority: 9, properties: rng.bool() ? ObjectProperties(rng.properties()) : [],
                                                         payload: rng.bytes(rng.int(0...300)))), into: &w)
                object += UInt64(rng.int(1...2))
            }
            var whole = Draft18.DataStreamParser()
            whole.append(w.bytes)
            let expected = try whole.drain()
            var streaming = Draft18.DataStreamParser(streamPayloads: true)
            XCTAssertEqual(reassemble(try feed(w.bytes, &streaming, &rng)), expected)
        }
    }

    /// Payload bytes come out before the object is complete, and FIN mid-payload is an error.
    func testChunksArriveBeforeTheObjectCompletes() throws {
        let header = Draft18.SubgroupHeader(trackAlias: 1, groupID: 2, subgroupID: .zero, publisherPriority: 0)
        var w = ByteWriter()
        header.encode(into: &w)
        var coder = Draft18.SubgroupObjectCoder(header: header)
        coder.encode(Draft18.SubgroupObject(objectID: 0, payload: [UInt8](repeating: 7, count: 1000)), into: &w)
        var p = Draft18.DataStreamParser(streamPayloads: true)
        p.append(w.bytes.prefix(w.count - 500))
        let events = try p.drain()
        XCTAssertEqual(events.count, 3)
        XCTAssertEqual(events[1], .subgroupObjectHeader(Draft18.SubgroupObjectHeader(objectID: 0, properties: [], status: .normal, payloadLength: 1000)))
        guard case .payload(let chunk, false) = events[2] else { return XCTFail("\(events[2])") }
        XCTAssertEqual(chunk.count, 500)
        XCTAssertThrowsError(try p.finish()) { XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation) }
        p.append(w.bytes.suffix(500))
        XCTAssertEqual(try p.drain(), [.payload([UInt8](repeating: 7, count: 500), isFinal: true)])
        XCTAssertNoThrow(try p.finish())
    }
}
