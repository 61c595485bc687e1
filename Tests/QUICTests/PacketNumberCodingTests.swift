import XCTest
@testable import QUIC

final class PacketNumberCodingTests: XCTestCase {
    /// RFC 9000 Appendix A.2 examples.
    func testEncodingLengthExamplesFromAppendixA2() {
        XCTAssertEqual(PacketNumberCoding.encodedLength(fullPacketNumber: 0xac5c02, largestAcknowledged: 0xabe8b3), 2)
        XCTAssertEqual(PacketNumberCoding.encodedLength(fullPacketNumber: 0xace8fe, largestAcknowledged: 0xabe8b3), 3)
        XCTAssertEqual(PacketNumberCoding.truncate(0xac5c02, length: 2), 0x5c02)
        XCTAssertEqual(PacketNumberCoding.encodedLength(fullPacketNumber: 0, largestAcknowledged: nil), 1)
        XCTAssertEqual(PacketNumberCoding.encodedLength(fullPacketNumber: 1 << 40, largestAcknowledged: 0), 4)
    }

    /// RFC 9000 Appendix A.3 example.
    func testDecodingExampleFromAppendixA3() {
        XCTAssertEqual(PacketNumberCoding.decode(largest: 0xa82f30ea, truncated: 0x9b32, length: 2), 0xa82f9b32)
    }

    func testRoundTripAcrossWindowBoundaries() {
        for largest: UInt64 in [0, 1, 0xff, 0x100, 0xfffe, 0x12345, 0xabcdef01, 1 << 40] {
            for delta: UInt64 in [1, 2, 100, 127, 128, 1000, 30000] {
                let pn = largest + delta
                let length = PacketNumberCoding.encodedLength(fullPacketNumber: pn, largestAcknowledged: largest)
                let truncated = PacketNumberCoding.truncate(pn, length: length)
                XCTAssertEqual(PacketNumberCoding.decode(largest: largest + delta - 1, truncated: truncated, length: length), pn,
                               "pn \(pn) largest \(largest)")
            }
        }
        XCTAssertEqual(PacketNumberCoding.decode(largest: nil, truncated: 0, length: 1), 0)
    }
}
