import XCTest
import Wire
@testable import MoQT
import TestSupport

final class KeyValuePairTests: XCTestCase {
    func testDeltaEncodingOnTheWire() {
        var w = ByteWriter()
        KeyValuePair.encodeList([
            KeyValuePair(type: 0x02, integer: 300),
            KeyValuePair(type: 0x03, bytes: [0xaa, 0xbb]),
            KeyValuePair(type: 0x03, bytes: []),
            KeyValuePair(type: 0x20, integer: 7),
        ], into: &w)
        // 0x02 -> delta 2, 300 = 0x812c; 0x03 -> delta 1, len 2; 0x03 -> delta 0, len 0; 0x20 -> delta 0x1d, 7.
        XCTAssertEqual(w.bytes, [0x02, 0x81, 0x2c, 0x01, 0x02, 0xaa, 0xbb, 0x00, 0x00, 0x1d, 0x07])
    }

    func testEncoderSortsStably() throws {
        let pairs = [
            KeyValuePair(type: 0x21, bytes: [1]), KeyValuePair(type: 0x02, integer: 1),
            KeyValuePair(type: 0x21, bytes: [2]), KeyValuePair(type: 0x02, integer: 2),
        ]
        var w = ByteWriter()
        KeyValuePair.encodeList(pairs, into: &w)
        var r = ByteReader(w.bytes)
        let decoded = try KeyValuePair.decodeList(from: &r, count: 4)
        XCTAssertEqual(decoded, [pairs[1], pairs[3], pairs[0], pairs[2]])
        XCTAssertTrue(r.isAtEnd)
    }

    func testRandomListsRoundTrip() throws {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<2_000 {
            let pairs = randomPairs(&rng)
            var w = ByteWriter()
            KeyValuePair.encodeList(pairs, into: &w)
            var r = ByteReader(w.bytes)
            XCTAssertEqual(try KeyValuePair.decodeList(from: &r, count: UInt64(pairs.count)), KeyValuePair.sortedForWire(pairs))
            XCTAssertTrue(r.isAtEnd)
            var r2 = ByteReader(w.bytes)
            XCTAssertEqual(try KeyValuePair.decodeList(from: &r2, byteCount: w.count), KeyValuePair.sortedForWire(pairs))
            // Object properties block.
            let props = ObjectProperties(KeyValuePair.sortedForWire(pairs))
            var w3 = ByteWriter()
            props.encode(into: &w3)
            var r3 = ByteReader(w3.bytes)
            XCTAssertEqual(try ObjectProperties.decode(from: &r3), props)
            XCTAssertTrue(r3.isAtEnd)
        }
    }

    func testTypeOverflowIsProtocolViolation() {
        var w = ByteWriter()
        w.writeVI64(UInt64.max - 1) // type max-1 (even)
        w.writeVI64(0)
        w.writeVI64(2)              // + 2 overflows
        w.writeVI64(0)
        var r = ByteReader(w.bytes)
        XCTAssertThrowsError(try KeyValuePair.decodeList(from: &r, count: 2)) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation)
        }
    }

    func testLengthOverMaximumIsProtocolViolation() {
        var w = ByteWriter()
        w.writeVI64(1)
        w.writeVI64(0x10000)
        w.writeBytes([UInt8](repeating: 0, count: 0x10000))
        var r = ByteReader(w.bytes)
        XCTAssertThrowsError(try KeyValuePair.decodeList(from: &r, count: 1)) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation)
        }
        // Exactly 65535 is fine.
        var ok = ByteWriter()
        KeyValuePair.encodeList([KeyValuePair(type: 1, bytes: [UInt8](repeating: 9, count: 0xffff))], into: &ok)
        var r2 = ByteReader(ok.bytes)
        XCTAssertEqual(try KeyValuePair.decodeList(from: &r2, count: 1).first?.bytesValue?.count, 0xffff)
    }

    func testPairOverrunningBlockIsProtocolViolation() {
        // Block of 3 bytes, but the odd pair inside claims 5 value bytes.
        let bytes: [UInt8] = [0x03, 0x01, 0x05, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]
        var r = ByteReader(bytes)
        XCTAssertThrowsError(try ObjectProperties.decode(from: &r)) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation)
        }
    }

    func testIncompleteBlockNeedsMoreDataWithoutMoving() throws {
        let props: ObjectProperties = [KeyValuePair(type: 0x06, integer: 1_000_000), KeyValuePair(type: 0x3d, bytes: [1, 2, 3])]
        var w = ByteWriter()
        props.encode(into: &w)
        for cut in 0..<w.count {
            var r = ByteReader(Array(w.bytes[0..<cut]))
            XCTAssertThrowsError(try ObjectProperties.decode(from: &r)) { XCTAssertEqual($0 as? DecodeError, .needMoreData) }
            XCTAssertEqual(r.offset, 0)
        }
        var r = ByteReader(w.bytes)
        XCTAssertEqual(try ObjectProperties.decode(from: &r), props)
        XCTAssertEqual(props.integer(0x06), 1_000_000)
        XCTAssertEqual(props.bytes(0x3d), [1, 2, 3])
    }

    func testCountedListNeedsMoreData() {
        var w = ByteWriter()
        KeyValuePair.encodeList([KeyValuePair(type: 4, integer: 1), KeyValuePair(type: 5, bytes: [1, 2])], into: &w)
        var r = ByteReader(Array(w.bytes.dropLast()))
        XCTAssertThrowsError(try KeyValuePair.decodeList(from: &r, count: 2)) { XCTAssertEqual($0 as? DecodeError, .needMoreData) }
        XCTAssertEqual(r.offset, 0)
    }
}

func randomPairs(_ rng: inout SeededGenerator, maxCount: Int = 6) -> [KeyValuePair] {
    (0..<Int.random(in: 0...maxCount, using: &rng)).map { _ in
        let type = UInt64.random(in: 0...0x4000, using: &rng) >> UInt64.random(in: 0...14, using: &rng)
        if type & 1 == 0 {
            return KeyValuePair(type: type, integer: rng.next() >> UInt64.random(in: 0...63, using: &rng))
        }
        return KeyValuePair(type: type, bytes: rng.bytes(Int.random(in: 0...40, using: &rng)))
    }
}
