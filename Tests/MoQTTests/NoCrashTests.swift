import XCTest
import Wire
@testable import MoQT
import TestSupport

/// Random and mutated inputs fed to every decoder: nothing traps, and every failure is either
/// "need more bytes" or a `MoQTError` carrying a code.
final class NoCrashTests: XCTestCase {
    private func check(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) {
        do {
            try body()
        } catch is MoQTError {
        } catch DecodeError.needMoreData {
        } catch {
            XCTFail("untyped failure \(error)", file: file, line: line)
        }
    }

    private func feedEverything(_ bytes: [UInt8]) {
        check {
            var r = ByteReader(bytes)
            let m = try Draft18.ControlMessage.decode(from: &r)
            // Whatever decodes re-encodes without trapping and decodes again.
            var again = ByteReader(m.encoded())
            _ = try Draft18.ControlMessage.decode(from: &again)
        }
        check {
            var p = Draft18.ControlStreamParser()
            p.append(bytes)
            while try p.next() != nil {}
        }
        for order in GroupOrder.allCases {
            check {
                var p = Draft18.DataStreamParser(streamPayloads: true, groupOrderForFetch: { _ in order })
                p.append(bytes)
                _ = try p.drain()
                try p.finish()
            }
            check {
                var p = Draft18.DataStreamParser(groupOrderForFetch: { _ in order })
                p.append(bytes)
                _ = try p.drain()
                try p.finish()
            }
        }
        // The same bytes as the body of a subgroup and of a fetch stream.
        check {
            var p = Draft18.DataStreamParser()
            p.append(VI64.encode(0x31) + [1, 1] + bytes)
            _ = try p.drain()
        }
        check {
            var p = Draft18.DataStreamParser(groupOrderForFetch: { _ in .descending })
            p.append([0x05, 0x01] + bytes)
            _ = try p.drain()
        }
        check {
            if case .object(let d) = try Draft18.Datagram.decode(bytes) {
                XCTAssertEqual(try Draft18.ObjectDatagram.decode(d.encoded()), d)
            }
        }
        check { var r = ByteReader(bytes); _ = try ObjectProperties.decode(from: &r) }
        check { var r = ByteReader(bytes); _ = try KeyValuePair.decodeList(from: &r, byteCount: bytes.count) }
        check { var r = ByteReader(bytes); _ = try KeyValuePair.decodeList(from: &r, count: UInt64(bytes.first ?? 0)) }
        check { _ = try Draft18.decodeToken(bytes) }
        check { _ = try Draft18.decodeFilter(bytes) }
        check { var r = ByteReader(bytes); _ = try Draft18.SubgroupHeader.decode(from: &r) }
        check { var r = ByteReader(bytes); _ = try r.readVI64() }
        // The libFuzzer entry point (it traps on any inconsistency it finds).
        Draft18.fuzzOneInput(bytes)
        // Every payload decoder directly, with each known type.
        for type in Draft18.ControlMessage.knownTypes {
            check { var r = ByteReader(bytes); _ = try Draft18.ControlMessage.decodePayload(type: type, &r) }
        }
    }

    func testRandomBytesNeverTrap() {
        var rng = SeededGenerator(seed: 0xf022)
        let interesting: [UInt64] = [0x2F00, 0x3, 0x4, 0x5, 0x7, 0x1D, 0x16, 0x18, 0x50, 0x51, 0x10, 0x14, 0x35, 0x05, 0x8C, 0x10C, 0x20]
        for i in 0..<3_000 {
            var bytes = rng.bytes(rng.int(0...64))
            if i % 2 == 0 {
                // Start with a plausible type and a length so deeper code is reached.
                let type = interesting[rng.int(0...interesting.count - 1)]
                bytes = VI64.encode(type) + [0, UInt8(bytes.count)] + bytes
            }
            feedEverything(bytes)
        }
    }

    func testMutatedValidInputsNeverTrap() {
        var rng = SeededGenerator(seed: 0xbad)
        var corpus: [[UInt8]] = (0..<200).map { rng.controlMessage(kind: $0).encoded() }
        for _ in 0..<60 {
            let header = Draft18.SubgroupHeader(trackAlias: rng.u64(), groupID: rng.u64(), subgroupID: .explicit(rng.u64()),
                                                publisherPriority: rng.maybe { $0.u8() }, hasProperties: true)
            var w = ByteWriter()
            header.encode(into: &w)
            var coder = Draft18.SubgroupObjectCoder(header: header)
            for id in UInt64(0)..<UInt64(rng.int(1...4)) {
                coder.encode(Draft18.SubgroupObject(objectID: id, properties: ObjectProperties(rng.properties()), payload: rng.bytes(rng.int(0...9))), into: &w)
            }
            corpus.append(w.bytes)
            var f = ByteWriter()
            Draft18.FetchHeader(requestID: 1).encode(into: &f)
            var fc = Draft18.FetchObjectCoder()
            for o in UInt64(0)..<UInt64(rng.int(1...4)) {
                fc.encode(.object(Draft18.FetchObject(location: Location(group: 3, object: o * 2), forwarding: .subgroup(o),
                                                      publisherPriority: rng.u8(), properties: ObjectProperties(rng.properties()), payload: rng.bytes(3))), into: &f)
            }
            corpus.append(f.bytes)
            corpus.append(Draft18.ObjectDatagram(trackAlias: 1, groupID: rng.u64(), objectID: rng.u64(), publisherPriority: nil,
                                                 properties: ObjectProperties(rng.properties()), content: .payload(rng.bytes(5))).encoded())
        }
        for _ in 0..<4_000 {
            var bytes = corpus[rng.int(0...corpus.count - 1)]
            for _ in 0..<rng.int(1...4) {
                guard !bytes.isEmpty else { break }
                let at = rng.int(0...bytes.count - 1)
                switch rng.int(0...4) {
                case 0: bytes[at] ^= UInt8(1) << UInt8(rng.int(0...7))
                case 1: bytes[at] = rng.u8()
                case 2: bytes.removeSubrange(at..<bytes.count)
                case 3: bytes.insert(contentsOf: rng.bytes(rng.int(1...9)), at: at)
                default: bytes[at] = [0x00, 0x7f, 0x80, 0xbf, 0xff][rng.int(0...4)]
                }
            }
            feedEverything(bytes)
        }
    }
}
