import NetSim
import Wire
import XCTest
@testable import QUIC

final class FastPathEncodingTests: XCTestCase {
    /// Client writes on three unidirectional streams and one bidirectional stream over a lossy link;
    /// every 1-RTT packet it emits is parsed and checked against the fast-path shapes.
    func testEveryOneRTTPacketHasFastPathShape() throws {
        var config = ConnectionConfiguration()
        config.allowCleartext = true
        config.fastPathEncoding = true
        let link = LinkConfiguration(delay: .milliseconds(5), lossRate: 0.05)
        let pair = SimulatedPair(seed: 9, clientToServer: link, serverToClient: link, configuration: config)
        let tap = TappedEndpoint.tapClient(of: pair)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let client = try XCTUnwrap(pair.clientConnection)
        XCTAssertTrue(client.isCleartext)
        let sizes = [40_000, 100_000, 3]
        var uni: [UInt64] = []
        for (i, size) in sizes.enumerated() {
            let id = try client.openStream(bidirectional: false)
            XCTAssertEqual(try client.write(streamID: id, data: Array(repeating: UInt8(i + 1), count: size)), size)
            try client.finish(streamID: id)
            uni.append(id)
        }
        let bidi = try client.openStream(bidirectional: true)
        XCTAssertEqual(try client.write(streamID: bidi, data: Array(repeating: 9, count: 20_000)), 20_000)
        try client.finish(streamID: bidi)
        var done = Set<UInt64>()
        pair.application = { pair, _ in
            for id in uni + [bidi] {
                while let r = try? pair.serverConnection?.read(streamID: id), !r.data.isEmpty || r.isFinished {
                    if r.isFinished { done.insert(id); break }
                }
            }
        }
        XCTAssertTrue(pair.run(seconds: 30) { done.count == 4 })

        var uniFrames = 0, bidiFrames = 0, oneRTT = 0
        for datagram in tap.sent {
            guard let packet = CleartextPacket.parse(datagram) else { continue }
            oneRTT += 1
            XCTAssertEqual(packet.packetNumberLength, 4, "4-byte packet numbers")
            let frames = try XCTUnwrap(packet.frames)
            let uniStream = frames.contains { if case .stream(let f) = $0 { return uni.contains(f.streamID) }; return false }
            if uniStream {
                uniFrames += 1
                XCTAssertEqual(frames.count, 1, "a uni STREAM frame is alone in its packet: \(frames)")
                XCTAssertEqual(packet.payload[0] & 0xf8, 0x08, "STREAM frame type")
                XCTAssertEqual(packet.payload[0] & 0x02, 0x02, "LEN bit always set")
                XCTAssertEqual(packet.payload[1] >> 6, 2, "stream ID as a 4-byte varint")
                // The packet is the whole datagram (nothing coalesced before it).
                XCTAssertEqual(datagram[0] & 0x80, 0)
            }
            if frames.contains(where: { if case .stream(let f) = $0 { return f.streamID == bidi }; return false }) { bidiFrames += 1 }
        }
        XCTAssertGreaterThan(uniFrames, 100)
        XCTAssertGreaterThan(bidiFrames, 10)
        XCTAssertGreaterThan(oneRTT, uniFrames)
        XCTAssertGreaterThan(client.stats.streamBytesRetransmitted, 0, "retransmissions were checked too")
    }

    func testEncryptedTransferWithFastPathEncoding() throws {
        var config = ConnectionConfiguration()
        config.fastPathEncoding = true
        let link = LinkConfiguration(delay: .milliseconds(10), lossRate: 0.02, bandwidth: 12_500_000)
        let pair = SimulatedPair(seed: 4, clientToServer: link, serverToClient: link, configuration: config)
        let scenario = TransferScenario(pair: pair, total: 2 << 20, bidirectional: false)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 60) { scenario.isComplete || scenario.corrupt })
        XCTAssertFalse(scenario.corrupt)
        XCTAssertEqual(scenario.received, 2 << 20)
        XCTAssertFalse(pair.clientConnection?.isCleartext ?? true)
    }
}

final class FixedStreamIDEncodingTests: XCTestCase {
    func testFixedSizeStreamIDsRoundTrip() throws {
        for (id, length) in [(UInt64(2), 4), (UInt64(1 << 30) - 2, 4), (UInt64(1 << 30) + 2, 8), (UInt64(1) << 61, 8)] {
            XCTAssertEqual(StreamFrame.fixedStreamIDLength(id), length)
            for offset: UInt64 in [0, 70_000] {
                let frame = StreamFrame(streamID: id, offset: offset, data: [1, 2, 3], fin: offset != 0)
                var w = ByteWriter()
                frame.encode(to: &w, streamIDLength: length)
                XCTAssertEqual(w.count, StreamFrame.overhead(streamID: id, offset: offset, length: 3, hasLength: true, streamIDLength: length) + 3)
                XCTAssertEqual(w.bytes[1] >> 6, length == 4 ? 2 : 3)
                XCTAssertEqual(try Frame.decodeAll(w.bytes), [.stream(frame)], "non-minimal stream ID varints decode")
            }
        }
    }
}
