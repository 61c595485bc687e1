import FuzzSupport
import MoQMedia
import MoQT
import Wire

/// libFuzzer harness for the LOC object decoder (`LOCFrame(serialized:)`, i.e. the Object
/// Properties block + payload that moq-sub receives) and its property validation.
///
/// A decoded frame must serialize to bytes that decode to the same frame, with a stable
/// encoding; failures must be `LOCError`s. The timestamp zigzag mapping is checked on the first
/// eight bytes too.
enum FuzzLOC {
    static func run(_ input: [UInt8]) {
        if input.count >= 8 {
            var r = ByteReader(input)
            if let raw = try? r.readUInt64() {
                let signed = Int64(bitPattern: raw)
                fuzzCheckEqual(LOCPropertyType.unzigzag(LOCPropertyType.zigzag(signed)), signed, "zigzag round trip")
                fuzzCheckEqual(LOCPropertyType.zigzag(LOCPropertyType.unzigzag(raw)), raw, "unzigzag round trip")
            }
        }
        let frame: LOCFrame
        do {
            frame = try LOCFrame(serialized: input)
        } catch {
            // The typed throw guarantees a LOCError; describing it must not trap either.
            _ = error.description
            return
        }
        fuzzCheck(!frame.payload.isEmpty, "decoded LOC frame with an empty payload")
        fuzzCheck(frame.ptsMicroseconds >= frame.dtsMicroseconds, "decoded LOC frame with pts < dts")
        if frame.isKeyframe { fuzzCheck(frame.frameClass == .i && frame.referenceDistance == 0, "keyframe rules") }
        _ = frame.encodedFrame
        let bytes = frame.serialized()
        let back: LOCFrame
        do { back = try LOCFrame(serialized: bytes) } catch {
            fuzzCheck(false, "re-serialized LOC frame rejected: \(error) (\(FuzzBytes.hex(bytes)))"); return
        }
        fuzzCheckEqual(back, frame, "LOC frame after re-serializing")
        fuzzCheckEqual(back.serialized(), bytes, "LOC serialization after a round trip")
        // The same frame through the properties API.
        fuzzCheckEqual(try? LOCFrame(properties: frame.properties, payload: frame.payload), frame, "LOC frame from its properties")
    }

    static func seeds() -> [(String, [UInt8])] {
        let frames = [
            LOCFrame(captureTimestampMicroseconds: 1_700_000_000_000_000, ptsMicroseconds: 0, dtsMicroseconds: -33_333,
                     durationMicroseconds: 33_333, frameClass: .i, isKeyframe: true, referenceDistance: 0, payload: [0, 0, 0, 1, 0x65, 0x88]),
            LOCFrame(captureTimestampMicroseconds: 5, ptsMicroseconds: 100_000, dtsMicroseconds: 66_666,
                     durationMicroseconds: 33_333, frameClass: .b, isKeyframe: false, referenceDistance: 2, payload: [0, 0, 1, 0x01, 0x9e]),
            LOCFrame(captureTimestampMicroseconds: 0, ptsMicroseconds: 33_333, dtsMicroseconds: 33_333,
                     durationMicroseconds: 0, frameClass: .p, isKeyframe: false, referenceDistance: 1, payload: [0x41]),
        ]
        var out = frames.enumerated().map { ("loc-frame-\($0.offset)", $0.element.serialized()) }
        // A frame with an unknown extra property that decoders must skip.
        var props = frames[0].properties
        props.pairs.append(KeyValuePair(type: 0x4D46_0101, bytes: [1, 2, 3]))
        var w = ByteWriter()
        props.encode(into: &w)
        w.writeBytes([0x65])
        out.append(("loc-frame-extra-property", w.bytes))
        return out
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzLOC.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-loc", harness: FuzzLOC.run, seeds: FuzzLOC.seeds) }
}
#endif
