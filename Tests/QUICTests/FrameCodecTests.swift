import Wire
import XCTest
@testable import QUIC

final class FrameCodecTests: XCTestCase {
    static let allFrames: [Frame] = [
        .padding(count: 3),
        .ping,
        .ack(AckFrame(ranges: [10...12], ackDelay: 5)),
        .ack(AckFrame(ranges: [100...120, 50...90, 0...3], ackDelay: 1000)),
        .ack(AckFrame(ranges: [7...7, 2...4], ackDelay: 0, ecn: .init(ect0: 1, ect1: 2, ce: 3))),
        .resetStream(streamID: 4, errorCode: 0x1234, finalSize: 999_999),
        .stopSending(streamID: 3, errorCode: 7),
        .crypto(offset: 0, data: [1, 2, 3]),
        .crypto(offset: 70000, data: Array(repeating: 9, count: 300)),
        .newToken([1, 2, 3, 4]),
        .stream(StreamFrame(streamID: 0, offset: 0, data: [1, 2], fin: false)),
        .stream(StreamFrame(streamID: 5, offset: 1 << 30, data: [], fin: true)),
        .stream(StreamFrame(streamID: 2, offset: 8, data: [3, 4, 5], fin: true)),
        .stream(StreamFrame(streamID: 1 << 40, offset: 0, data: [3], fin: false, hasLength: true)),
        .maxData(1 << 50),
        .maxStreamData(streamID: 8, maximum: 65536),
        .maxStreams(bidirectional: true, maximum: 100),
        .maxStreams(bidirectional: false, maximum: 1 << 60),
        .dataBlocked(limit: 77),
        .streamDataBlocked(streamID: 12, limit: 1 << 20),
        .streamsBlocked(bidirectional: true, limit: 5),
        .streamsBlocked(bidirectional: false, limit: 0),
        .newConnectionID(NewConnectionIDFrame(sequenceNumber: 3, retirePriorTo: 1, connectionID: QUICConnectionID([1, 2, 3, 4, 5, 6, 7, 8])!,
                                              statelessResetToken: Array(0..<16))),
        .retireConnectionID(sequenceNumber: 2),
        .pathChallenge([1, 2, 3, 4, 5, 6, 7, 8]),
        .pathResponse([8, 7, 6, 5, 4, 3, 2, 1]),
        .connectionClose(ConnectionCloseFrame(isApplication: false, errorCode: 0x0a, frameType: 0x08, reason: Array("bad".utf8))),
        .connectionClose(ConnectionCloseFrame(isApplication: true, errorCode: 99, reason: [])),
        .handshakeDone,
        .datagram(data: [1, 2, 3], hasLength: true),
    ]

    func testEveryFrameRoundTrips() throws {
        for frame in Self.allFrames {
            var reader = ByteReader(frame.encoded)
            let decoded = try Frame.decode(from: &reader)
            XCTAssertEqual(decoded, frame)
            XCTAssertTrue(reader.isAtEnd, "\(frame) left bytes")
        }
        // A DATAGRAM or STREAM frame without length runs to the end of the packet.
        let tail = Frame.stream(StreamFrame(streamID: 4, offset: 3, data: [1, 2, 3], fin: false, hasLength: false))
        XCTAssertEqual(try Frame.decodeAll(tail.encoded), [tail])
        XCTAssertEqual(try Frame.decodeAll(Frame.datagram(data: [5, 6], hasLength: false).encoded), [.datagram(data: [5, 6], hasLength: false)])
    }

    func testAllStreamTypeBitsDecode() throws {
        for type: UInt8 in 0x08...0x0f {
            var bytes: [UInt8] = [type, 0x04]
            if type & 0x04 != 0 { bytes.append(0x10) }
            if type & 0x02 != 0 { bytes.append(0x02) }
            bytes += [0xaa, 0xbb]
            guard case .stream(let f) = try Frame.decodeAll(bytes).first else { return XCTFail() }
            XCTAssertEqual(f.streamID, 4)
            XCTAssertEqual(f.offset, type & 0x04 != 0 ? 0x10 : 0)
            XCTAssertEqual(f.data, [0xaa, 0xbb])
            XCTAssertEqual(f.fin, type & 0x01 != 0)
            XCTAssertEqual(f.typeValue, UInt64(type))
        }
    }

    func testEveryTruncationIsFrameEncodingErrorNeverACrash() {
        for frame in Self.allFrames {
            let bytes = frame.encoded
            guard bytes.count > 1 else { continue }
            for cut in 1..<bytes.count {
                if case .padding = frame { continue }
                if case .stream(let s) = frame, !s.hasLength { continue }
                var reader = ByteReader(Array(bytes[0..<cut]))
                do {
                    let decoded = try Frame.decode(from: &reader)
                    // Some prefixes are valid shorter frames (e.g. a STREAM frame without data); they must differ.
                    XCTAssertNotEqual(decoded, frame, "truncated \(frame) at \(cut) decoded as the original")
                } catch {
                    XCTAssertEqual(error.code, .frameEncodingError, "\(frame) cut at \(cut)")
                }
            }
        }
    }

    func testSpecificMalformedFrames() {
        func code(_ bytes: [UInt8]) -> TransportErrorCode? {
            do { _ = try Frame.decodeAll(bytes); return nil } catch { return error.code }
        }
        XCTAssertEqual(code([0x02, 0x05, 0x00, 0x00, 0x06]), .frameEncodingError, "first ACK range larger than largest")
        XCTAssertEqual(code([0x02, 0x05, 0x00, 0x01, 0x01, 0x05, 0x00]), .frameEncodingError, "ACK gap below zero")
        XCTAssertEqual(code([0x07, 0x00]), .frameEncodingError, "empty NEW_TOKEN")
        XCTAssertEqual(code([0x12, 0xd0, 0, 0, 0, 0, 0, 0, 1]), .frameEncodingError, "MAX_STREAMS above 2^60")
        XCTAssertEqual(code([0x18, 0x01, 0x02, 0x04, 1, 2, 3, 4] + Array(repeating: 0, count: 16)), .frameEncodingError, "retire prior to above sequence")
        XCTAssertEqual(code([0x18, 0x01, 0x00, 0x15] + Array(repeating: 0, count: 37)), .frameEncodingError, "21-byte connection ID")
        XCTAssertEqual(code([0x18, 0x01, 0x00, 0x00] + Array(repeating: 0, count: 16)), .frameEncodingError, "zero-length connection ID")
        XCTAssertEqual(code([0x0e, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]), .frameEncodingError, "STREAM beyond 2^62")
        XCTAssertEqual(code([0x21]), .frameEncodingError, "unknown frame type")
        XCTAssertEqual(code([0x40, 0x01]), .protocolViolation, "PING with a two-byte type encoding")
        XCTAssertEqual(code([0x1c, 0x01, 0x00, 0x05, 0x61]), .frameEncodingError, "reason longer than frame")
    }

    func testRandomBytesNeverCrashTheFrameParser() {
        var rng = QUICRandom(seed: 42)
        for _ in 0..<3000 {
            let bytes = rng.bytes(Int.random(in: 0...40, using: &rng))
            _ = try? Frame.decodeAll(bytes)
        }
    }

    func testLegalityTable() {
        XCTAssertNoThrow(try FrameLegality.check(.ping, at: .initial))
        XCTAssertNoThrow(try FrameLegality.check(.crypto(offset: 0, data: [1]), at: .handshake))
        XCTAssertNoThrow(try FrameLegality.check(.ack(AckFrame(ranges: [1...1], ackDelay: 0)), at: .initial))
        XCTAssertNoThrow(try FrameLegality.check(.connectionClose(ConnectionCloseFrame(isApplication: false, errorCode: 1)), at: .handshake))
        XCTAssertNoThrow(try FrameLegality.check(.stream(StreamFrame(streamID: 0, offset: 0, data: [], fin: true)), at: .zeroRTT))
        let violations: [(Frame, EncryptionLevel)] = [
            (.stream(StreamFrame(streamID: 0, offset: 0, data: [], fin: true)), .initial),
            (.maxData(1), .handshake),
            (.handshakeDone, .zeroRTT),
            (.newToken([1]), .handshake),
            (.ack(AckFrame(ranges: [1...1], ackDelay: 0)), .zeroRTT),
            (.crypto(offset: 0, data: [1]), .zeroRTT),
            (.connectionClose(ConnectionCloseFrame(isApplication: true, errorCode: 1)), .initial),
            (.pathResponse(Array(repeating: 0, count: 8)), .zeroRTT),
            (.datagram(data: [], hasLength: true), .handshake),
        ]
        for (frame, level) in violations {
            XCTAssertThrowsError(try FrameLegality.check(frame, at: level), "\(frame) at \(level)") { error in
                XCTAssertEqual((error as? QUICError)?.code, .protocolViolation)
            }
        }
    }

    func testQUICErrorEqualityIsOnCodeOnly() {
        XCTAssertEqual(QUICError(.flowControlError, frameType: 8, "a"), QUICError(.flowControlError, "b"))
        XCTAssertNotEqual(QUICError(.flowControlError), QUICError(.streamStateError))
        XCTAssertEqual(TransportErrorCode.crypto(alert: 120).rawValue, 0x178)
        XCTAssertEqual(TransportErrorCode.crypto(alert: 120).tlsAlert, 120)
        XCTAssertEqual(TransportErrorCode.noViablePath.rawValue, 0x10)
    }
}

final class RobustnessTests: XCTestCase {
    func testFuzzEntryPointSurvivesRandomAndMutatedInput() {
        var rng = QUICRandom(seed: 2024)
        let seeds = FrameCodecTests.allFrames.map(\.encoded)
        for i in 0..<5000 {
            var bytes: [UInt8]
            if i % 2 == 0 {
                bytes = rng.bytes(Int.random(in: 0...80, using: &rng))
            } else {
                bytes = seeds[i % seeds.count]
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !bytes.isEmpty {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            QUICFuzz.fuzzOneInput(bytes)
        }
    }

    func testGarbageDatagramsNeverCrashAnEstablishedConnectionOrEndpoint() throws {
        let pair = SimulatedPair(tls: .loopback)
        try pair.connect()
        XCTAssertTrue(pair.run(seconds: 5) { pair.isHandshakeDone })
        let server = try XCTUnwrap(pair.serverConnection)
        var rng = QUICRandom(seed: 77)
        let dcid = server.localConnectionID.bytes
        for i in 0..<2000 {
            var bytes = rng.bytes(Int.random(in: 1...1300, using: &rng))
            if i % 2 == 0 {
                // Short header aimed at the connection: passes routing, fails authentication.
                bytes[0] = 0x40 | (bytes[0] & 0x3f)
                if bytes.count > 1 + dcid.count { bytes.replaceSubrange(1..<1 + dcid.count, with: dcid) }
            }
            pair.server.handle(datagram: bytes, from: pair.clientAddress, now: pair.simulator.now)
        }
        XCTAssertTrue(server.isEstablished, "unauthenticated garbage must be dropped, not acted on")
        XCTAssertGreaterThan(server.stats.packetsDropped, 500)
    }
}
