import XCTest
@testable import Wire

final class VarintTests: XCTestCase {
    /// RFC 9000 Appendix A.1 examples.
    func testRFC9000Examples() throws {
        let cases: [([UInt8], UInt64)] = [
            ([0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c], 151_288_809_941_952_652),
            ([0x9d, 0x7f, 0x3e, 0x7d], 494_878_333),
            ([0x7b, 0xbd], 15293),
            ([0x25], 37),
            ([0x40, 0x25], 37),
        ]
        for (bytes, value) in cases {
            var r = ByteReader(bytes)
            XCTAssertEqual(try r.readVarint(), value)
            XCTAssertTrue(r.isAtEnd)
        }
        XCTAssertEqual(QUICVarint.encode(151_288_809_941_952_652), [0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c])
        XCTAssertEqual(QUICVarint.encode(494_878_333), [0x9d, 0x7f, 0x3e, 0x7d])
        XCTAssertEqual(QUICVarint.encode(15293), [0x7b, 0xbd])
        XCTAssertEqual(QUICVarint.encode(37), [0x25])
    }

    func testFixedLengthEncodingRoundTrips() throws {
        for value: UInt64 in [0, 1, 63, 64, 16383, 16384, 1_073_741_823] {
            for length in [1, 2, 4, 8] where QUICVarint.encodedLength(value) <= length {
                var w = ByteWriter()
                w.writeVarint(value, length: length)
                XCTAssertEqual(w.count, length)
                var r = ByteReader(w.bytes)
                XCTAssertEqual(try r.readVarint(), value)
            }
        }
    }

    func testShortInputNeedsMoreDataWithoutMoving() {
        var r = ByteReader([0x9d, 0x7f])
        XCTAssertThrowsError(try r.readVarint()) { XCTAssertEqual($0 as? DecodeError, .needMoreData) }
        XCTAssertEqual(r.offset, 0)
        XCTAssertThrowsError(try r.readUInt32()) { XCTAssertEqual($0 as? DecodeError, .needMoreData) }
        XCTAssertEqual(r.offset, 0)
    }

    func testRandomRoundTrip() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let value = UInt64.random(in: 0...QUICVarint.maxValue, using: &rng) >> UInt64.random(in: 0...62, using: &rng)
            var r = ByteReader(QUICVarint.encode(value))
            XCTAssertEqual(try r.readVarint(), value)
        }
    }
}
