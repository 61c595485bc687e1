import Wire
import XCTest
@testable import QUIC

final class PacketHeaderTests: XCTestCase {
    private func longHeader(type: UInt8, dcid: [UInt8], scid: [UInt8], token: [UInt8]? = nil, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.writeUInt8(0xc0 | type << 4 | 0x01)
        w.writeUInt32(QUICVersion.v1)
        w.writeUInt8(UInt8(dcid.count)); w.writeBytes(dcid)
        w.writeUInt8(UInt8(scid.count)); w.writeBytes(scid)
        if let token { w.writeVarint(UInt64(token.count)); w.writeBytes(token) }
        w.writeVarint(UInt64(payload.count))
        w.writeBytes(payload)
        return w.bytes
    }

    func testInitialWithTokenAndCoalescedHandshake() throws {
        let initial = longHeader(type: 0, dcid: [1, 2, 3, 4, 5, 6, 7, 8], scid: [9, 9], token: [0xaa, 0xbb], payload: Array(repeating: 1, count: 30))
        let handshake = longHeader(type: 2, dcid: [1, 2, 3, 4, 5, 6, 7, 8], scid: [9, 9], payload: Array(repeating: 2, count: 25))
        let datagram = initial + handshake
        let h1 = try PacketHeader.parse(datagram: datagram, at: 0, shortHeaderConnectionIDLength: 8)
        XCTAssertEqual(h1.type, .initial)
        XCTAssertEqual(h1.token, [0xaa, 0xbb])
        XCTAssertEqual(h1.destinationConnectionID.bytes, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(h1.sourceConnectionID.bytes, [9, 9])
        XCTAssertEqual(h1.packetEnd, initial.count)
        let h2 = try PacketHeader.parse(datagram: datagram, at: h1.packetEnd, shortHeaderConnectionIDLength: 8)
        XCTAssertEqual(h2.type, .handshake)
        XCTAssertEqual(h2.packetEnd, datagram.count)
        XCTAssertEqual(datagram.count - h2.packetNumberOffset, 25)
    }

    func testZeroRTTAndShortHeader() throws {
        let zeroRTT = longHeader(type: 1, dcid: [1], scid: [], payload: [0, 0, 0, 0, 0])
        XCTAssertEqual(try PacketHeader.parse(datagram: zeroRTT, at: 0, shortHeaderConnectionIDLength: 8).type, .zeroRTT)
        let short: [UInt8] = [0x44 | 0x20 | 0x01] + Array(1...8) + Array(repeating: 0, count: 20)
        let h = try PacketHeader.parse(datagram: short, at: 0, shortHeaderConnectionIDLength: 8)
        XCTAssertEqual(h.type, .oneRTT)
        XCTAssertEqual(h.firstByte & 0x20, 0x20, "spin bit visible")
        XCTAssertEqual(h.firstByte & 0x04, 0x04, "key phase (protected) visible in raw byte")
        XCTAssertEqual(h.destinationConnectionID.bytes, Array(1...8))
        XCTAssertEqual(h.packetNumberOffset, 9)
    }

    func testVersionNegotiationRoundTrip() throws {
        let vn = VersionNegotiationPacket.encode(destinationConnectionID: [1, 2], sourceConnectionID: [3, 4, 5], supportedVersions: [1, 0xff00_001d])
        let h = try PacketHeader.parse(datagram: vn, at: 0, shortHeaderConnectionIDLength: 8)
        XCTAssertEqual(h.type, .versionNegotiation)
        XCTAssertEqual(h.supportedVersions, [1, 0xff00_001d])
        XCTAssertEqual(h.destinationConnectionID.bytes, [1, 2])
        XCTAssertEqual(h.sourceConnectionID.bytes, [3, 4, 5])
    }

    func testRetryRoundTripAndIntegrityTag() throws {
        let odcid = QUICConnectionID([8, 7, 6, 5, 4, 3, 2, 1])!
        let retry = RetryPacket.encode(destinationConnectionID: QUICConnectionID([1, 2, 3])!, sourceConnectionID: QUICConnectionID([4, 5])!,
                                       token: [0xde, 0xad], originalDestinationConnectionID: odcid)
        let h = try PacketHeader.parse(datagram: retry, at: 0, shortHeaderConnectionIDLength: 8)
        XCTAssertEqual(h.type, .retry)
        XCTAssertEqual(h.token, [0xde, 0xad])
        XCTAssertEqual(h.retryIntegrityTag.count, 16)
        let expected = RetryIntegrity.tag(retryPacketWithoutTag: RetryPacket.bytesWithoutTag(retry, header: h), originalDestinationConnectionID: odcid.bytes)
        XCTAssertEqual(h.retryIntegrityTag, expected)
    }

    func testMalformedHeadersThrowInsteadOfCrashing() {
        let bad: [[UInt8]] = [
            [],
            [0xc0],
            [0xc0, 0, 0, 0, 1, 21] + Array(repeating: 0, count: 30),  // 21-byte DCID in v1
            [0xc0, 0, 0, 0, 1, 0, 0, 0x05],  // Length beyond datagram (token len 0, length 5)
            [0x80, 0, 0, 0, 1, 0, 0, 0, 0],  // fixed bit zero
            [0x40, 1, 2],  // short header, CID cut
            [0x80, 0, 0, 0, 0, 0, 0, 1, 2],  // version negotiation with a partial version
        ]
        for bytes in bad {
            XCTAssertThrowsError(try PacketHeader.parse(datagram: bytes, at: 0, shortHeaderConnectionIDLength: 8), "\(bytes)")
        }
        var rng = QUICRandom(seed: 9)
        for _ in 0..<3000 {
            let bytes = rng.bytes(Int.random(in: 0...60, using: &rng))
            _ = try? PacketHeader.parse(datagram: bytes, at: 0, shortHeaderConnectionIDLength: 8)
            _ = PacketHeader.destinationConnectionID(of: bytes, shortHeaderConnectionIDLength: 8)
        }
    }
}
