import XCTest
import Media
import MoQT
import Wire
@testable import MoQMedia
import TestSupport

final class LOCFrameCodecTests: XCTestCase {
    static func randomFrame(_ rng: inout SeededGenerator) -> LOCFrame {
        let frameClass = VideoFrameClass.allCases.randomElement(using: &rng)!
        let isKeyframe = frameClass == .i && Bool.random(using: &rng)
        let dts = Int64.random(in: -10_000_000...Int64.max / 4, using: &rng) * (Bool.random(using: &rng) ? 1 : -1) / 2
        let pts = dts + Int64.random(in: 0...5_000_000, using: &rng)
        let payloadSize = [1, 2, 100, 1500, 70_000].randomElement(using: &rng)!
        return LOCFrame(
            captureTimestampMicroseconds: [0, 1, UInt64.max, UInt64.random(in: 0...UInt64.max, using: &rng)].randomElement(using: &rng)!,
            ptsMicroseconds: [pts, Int64.max, dts].randomElement(using: &rng)!,
            dtsMicroseconds: dts,
            durationMicroseconds: UInt64.random(in: 0...100_000, using: &rng),
            frameClass: frameClass, isKeyframe: isKeyframe,
            referenceDistance: isKeyframe ? 0 : UInt64.random(in: 0...300, using: &rng),
            payload: randomPayload(size: payloadSize, &rng))
    }

    /// A payload of `size` bytes: random at both ends, a cheap pattern in between.
    static func randomPayload(size: Int, _ rng: inout SeededGenerator) -> [UInt8] {
        var payload = [UInt8](repeating: UInt8.random(in: 0...255, using: &rng), count: size)
        for index in Set([0, size / 2, size - 1]) { payload[index] = UInt8.random(in: 0...255, using: &rng) }
        return payload
    }

    func testRandomFramesRoundTrip() throws {
        var rng = SeededGenerator(seed: 0x10C)
        for _ in 0..<2_000 {
            let frame = Self.randomFrame(&rng)
            XCTAssertEqual(try LOCFrame(serialized: frame.serialized()), frame)
            XCTAssertEqual(try LOCFrame(properties: frame.properties, payload: frame.payload), frame)
        }
    }

    func testZigzag() {
        for value: Int64 in [0, -1, 1, -2, 2, .max, .min, 123_456_789, -987_654_321] {
            XCTAssertEqual(LOCPropertyType.unzigzag(LOCPropertyType.zigzag(value)), value)
        }
        XCTAssertEqual(LOCPropertyType.zigzag(0), 0)
        XCTAssertEqual(LOCPropertyType.zigzag(-1), 1)
        XCTAssertEqual(LOCPropertyType.zigzag(1), 2)
        XCTAssertEqual(LOCPropertyType.zigzag(.min), .max)
    }

    /// The byte layout is pinned: a change here breaks every peer.
    func testLayoutIsStable() {
        let frame = LOCFrame(captureTimestampMicroseconds: 5, ptsMicroseconds: 2, dtsMicroseconds: -1,
                             durationMicroseconds: 7, frameClass: .p, isKeyframe: false, referenceDistance: 1,
                             payload: [0xAA, 0xBB])
        let bytes = frame.serialized()
        // properties length, then (type delta, value) pairs: 0x10=5, 0x4D460000=zigzag(2)=4,
        // +2 dts=zigzag(-1)=1, +2 duration=7, +2 frame info=1 (P), +2 reference distance=1.
        let typeDelta = VI64.encode(LOCPropertyType.pts - LOCPropertyType.timestamp)
        let body: [UInt8] = [0x10, 5] + typeDelta + [4, 2, 1, 2, 7, 2, 1, 2, 1]
        XCTAssertEqual(bytes, VI64.encode(UInt64(body.count)) + body + [0xAA, 0xBB])
    }

    func testUnknownPropertiesAreIgnored() throws {
        var rng = SeededGenerator(seed: 7)
        let frame = Self.randomFrame(&rng)
        var properties = frame.properties
        properties.pairs += [KeyValuePair(type: 0x09, bytes: [1, 2, 3]), KeyValuePair(type: 0x4D46_0100, integer: 9),
                             KeyValuePair(type: 0x4D46_0007, bytes: [])]
        var writer = ByteWriter()
        properties.encode(into: &writer)
        writer.writeBytes(frame.payload)
        XCTAssertEqual(try LOCFrame(serialized: writer.bytes), frame)
    }

    // MARK: - Malformed input

    /// Serializes a property list as given (duplicates and omissions included) plus a payload.
    func bytes(_ pairs: [KeyValuePair], payload: [UInt8] = [0x65]) -> [UInt8] {
        var writer = ByteWriter()
        ObjectProperties(pairs).encode(into: &writer)
        writer.writeBytes(payload)
        return writer.bytes
    }

    func pairs(timestamp: UInt64 = 1, pts: Int64 = 0, dts: Int64 = 0, duration: UInt64 = 1, info: UInt64 = 4,
               distance: UInt64 = 0, omit: UInt64? = nil, repeating: UInt64? = nil) -> [KeyValuePair] {
        var list = [
            KeyValuePair(type: LOCPropertyType.timestamp, integer: timestamp),
            KeyValuePair(type: LOCPropertyType.pts, integer: LOCPropertyType.zigzag(pts)),
            KeyValuePair(type: LOCPropertyType.dts, integer: LOCPropertyType.zigzag(dts)),
            KeyValuePair(type: LOCPropertyType.duration, integer: duration),
            KeyValuePair(type: LOCPropertyType.frameInfo, integer: info),
            KeyValuePair(type: LOCPropertyType.referenceDistance, integer: distance),
        ]
        if let omit { list.removeAll { $0.type == omit } }
        if let repeating, let pair = list.first(where: { $0.type == repeating }) { list.append(pair) }
        return list
    }

    func testMalformedInputsAreRejectedWithTypedErrors() throws {
        let valid = bytes(pairs())
        XCTAssertNoThrow(try LOCFrame(serialized: valid), "the baseline is valid")
        let propertiesLength = Int(valid[0])

        var cases: [(String, [UInt8], LOCError)] = [
            ("empty input", [], .truncated),
            ("length prefix cut short", [0x80], .truncated),
            ("block longer than the input", [0x05, 0x10, 0x01], .truncated),
            ("block one byte past the end", [UInt8(propertiesLength + 2)] + valid.dropFirst().dropLast(), .truncated),
            ("properties but no payload", bytes(pairs(), payload: []), .emptyPayload),
        ]
        for type in LOCPropertyType.required {
            cases.append(("missing 0x\(String(type, radix: 16))", bytes(pairs(omit: type)), .missingProperty(type)))
        }
        for type in [LOCPropertyType.timestamp, LOCPropertyType.frameInfo, LOCPropertyType.pts] {
            cases.append(("repeated 0x\(String(type, radix: 16))", bytes(pairs(repeating: type)), .duplicateProperty(type)))
        }
        cases += [
            ("frame class 3", bytes(pairs(info: 3)), .invalidFrameInfo(3)),
            ("reserved frame-info bit", bytes(pairs(info: 8)), .invalidFrameInfo(8)),
            ("huge frame info", bytes(pairs(info: UInt64.max)), .invalidFrameInfo(UInt64.max)),
            ("P keyframe", bytes(pairs(info: 5)), .keyframeNotIntra),
            ("B keyframe", bytes(pairs(info: 6)), .keyframeNotIntra),
            ("keyframe with a dependency", bytes(pairs(info: 4, distance: 1)), .keyframeWithDependency),
            ("pts before dts", bytes(pairs(pts: 10, dts: 11)), .presentationBeforeDecode),
            ("pts before dts, negative", bytes(pairs(pts: -2, dts: -1)), .presentationBeforeDecode),
        ]
        // Key-Value-Pair level damage inside a well-delimited block.
        let overflow: [UInt8] = VI64.encode(UInt64.max) + [0] + [0x02, 0]  // second type overflows 2^64
        let runsPast: [UInt8] = [0x11, 0x05, 1, 2]                           // odd type, 5-byte value, 2 present
        let tooLong: [UInt8] = [0x11] + VI64.encode(70_000)                   // odd value longer than 65535
        let cutValue: [UInt8] = [0x10, 0xC0]                                  // 3-byte vi64 value cut by the block end
        for (name, body) in [("type overflow", overflow), ("value runs past block", runsPast),
                             ("value length > 65535", tooLong), ("value cut by block end", cutValue)] {
            let block = VI64.encode(UInt64(body.count)) + body + [0x65]
            XCTAssertThrowsError(try LOCFrame(serialized: block), name) { error in
                guard case .malformedProperties? = error as? LOCError else { return XCTFail("\(name): \(error)") }
            }
        }

        XCTAssertGreaterThanOrEqual(cases.count + 4, 20)
        XCTAssertEqual(Set(cases.map(\.1)).count, cases.count, "every case is a distinct input")
        for (name, input, expected) in cases {
            XCTAssertThrowsError(try LOCFrame(serialized: input), name) { error in
                XCTAssertEqual(error as? LOCError, expected, name)
            }
        }
    }

    /// Random bytes and random mutations of valid objects never crash the decoder: each either
    /// decodes or throws a `LOCError`.
    func testRandomAndMutatedInputsNeverCrash() {
        var rng = SeededGenerator(seed: 0xF022)
        var rejected = 0
        for n in 0..<5_000 {
            var input: [UInt8]
            if n % 2 == 0 {
                input = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                input = Self.randomFrame(&rng).serialized()
                input = Array(input.prefix(80))
                for _ in 0..<Int.random(in: 1...4, using: &rng) where !input.isEmpty {
                    input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                if Bool.random(using: &rng) { input = Array(input.prefix(Int.random(in: 0...input.count, using: &rng))) }
            }
            do {
                _ = try LOCFrame(serialized: input)
            } catch {
                rejected += 1
            }
        }
        XCTAssertGreaterThan(rejected, 2_500)
    }
}
