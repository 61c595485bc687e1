import XCTest
import Wire
@testable import MoQT
import TestSupport

final class VI64Tests: XCTestCase {
    private func decode(_ bytes: [UInt8]) throws -> (UInt64, Int) {
        var r = ByteReader(bytes)
        let v = try r.readVI64()
        return (v, r.offset)
    }

    /// Table 2 of draft-18 §1.4.1.
    func testDraftExamples() throws {
        let cases: [([UInt8], UInt64)] = [
            ([0x25], 37),
            ([0x80, 0x25], 37),
            ([0xbb, 0xbd], 15_293),
            ([0xed, 0x7f, 0x3e, 0x7d], 226_442_877),
            ([0xfa, 0xa1, 0xa0, 0xe4, 0x03, 0xd8], 2_893_212_287_960),
            ([0xfc, 0x89, 0x98, 0xab, 0xc6, 0x6b, 0xc0], 151_288_809_941_952),
            ([0xfe, 0xfa, 0x31, 0x8f, 0xa8, 0xe3, 0xca, 0x11], 70_423_237_261_249_041),
            ([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], UInt64.max),
        ]
        for (bytes, value) in cases {
            let (v, consumed) = try decode(bytes)
            XCTAssertEqual(v, value, "\(bytes)")
            XCTAssertEqual(consumed, bytes.count)
        }
        // Minimal encodings of the minimal examples.
        XCTAssertEqual(VI64.encode(37), [0x25])
        XCTAssertEqual(VI64.encode(15_293), [0xbb, 0xbd])
        XCTAssertEqual(VI64.encode(226_442_877), [0xed, 0x7f, 0x3e, 0x7d])
        XCTAssertEqual(VI64.encode(2_893_212_287_960), [0xfa, 0xa1, 0xa0, 0xe4, 0x03, 0xd8])
        XCTAssertEqual(VI64.encode(151_288_809_941_952), [0xfc, 0x89, 0x98, 0xab, 0xc6, 0x6b, 0xc0])
        XCTAssertEqual(VI64.encode(70_423_237_261_249_041), [0xfe, 0xfa, 0x31, 0x8f, 0xa8, 0xe3, 0xca, 0x11])
        XCTAssertEqual(VI64.encode(.max), [UInt8](repeating: 0xff, count: 9))
        XCTAssertEqual(VI64.encode(37, length: 2), [0x80, 0x25])
    }

    /// Every length boundary: the largest value of each length and the smallest of the next.
    func testLengthBoundaries() throws {
        for length in 1...8 {
            let top = VI64.maxValue(forLength: length)
            XCTAssertEqual(top, (UInt64(1) << UInt64(7 * length)) - 1)
            XCTAssertEqual(VI64.encodedLength(top), length)
            XCTAssertEqual(VI64.encodedLength(top + 1), length + 1)
            for v in [top, top + 1, top - 1] {
                let bytes = VI64.encode(v)
                XCTAssertEqual(bytes.count, VI64.encodedLength(v))
                XCTAssertEqual(VI64.length(firstByte: bytes[0]), bytes.count)
                XCTAssertEqual(try decode(bytes).0, v)
            }
        }
        XCTAssertEqual(VI64.maxValue(forLength: 9), .max)
        XCTAssertEqual(VI64.encodedLength(0), 1)
        XCTAssertEqual(VI64.encode(0), [0x00])
        XCTAssertEqual(VI64.encode(127), [0x7f])
        XCTAssertEqual(VI64.encode(128), [0x80, 0x80])
        XCTAssertEqual(VI64.encode(1 << 56), [0xff, 0x01, 0, 0, 0, 0, 0, 0, 0])
    }

    /// Every value can be written in every length that holds it, and reads back.
    func testForcedLengthsRoundTrip() throws {
        let values: [UInt64] = [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152, 1 << 40, (1 << 56) - 1, 1 << 56, .max]
        for v in values {
            for length in VI64.encodedLength(v)...9 {
                var w = ByteWriter()
                w.writeVI64(v, length: length)
                XCTAssertEqual(w.count, length)
                let (d, consumed) = try decode(w.bytes)
                XCTAssertEqual(d, v)
                XCTAssertEqual(consumed, length)
            }
        }
    }

    /// Zero in every length: non-minimal encodings are valid.
    func testNonMinimalZero() throws {
        let prefixes: [UInt8] = [0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe, 0xff]
        for (i, p) in prefixes.enumerated() {
            let bytes = [p] + [UInt8](repeating: 0, count: i)
            XCTAssertEqual(try decode(bytes).0, 0)
            XCTAssertEqual(try decode(bytes).1, i + 1)
        }
    }

    /// Truncated input reports needMoreData and leaves the reader where it was.
    func testTruncatedNeedsMoreDataWithoutMoving() {
        for v: UInt64 in [128, 20_000, 1 << 30, 1 << 50, .max] {
            let bytes = VI64.encode(v)
            for cut in 0..<bytes.count {
                var r = ByteReader(Array(bytes[0..<cut]))
                XCTAssertThrowsError(try r.readVI64()) { XCTAssertEqual($0 as? DecodeError, .needMoreData) }
                XCTAssertEqual(r.offset, 0)
            }
        }
        // Also mid-buffer: a prefix, then a truncated vi64.
        var r = ByteReader([0x05, 0xc0, 0x01])
        XCTAssertEqual(try r.readVI64(), 5)
        XCTAssertThrowsError(try r.readVI64())
        XCTAssertEqual(r.offset, 1)
    }

    func testRandomRoundTrip() throws {
        var rng = SeededGenerator(seed: 0x5eed)
        for _ in 0..<20_000 {
            let v = rng.next() >> UInt64.random(in: 0...63, using: &rng)
            let bytes = VI64.encode(v)
            XCTAssertEqual(try decode(bytes).0, v)
            XCTAssertEqual(try decode(bytes + [0xaa]).1, bytes.count)
        }
    }
}
