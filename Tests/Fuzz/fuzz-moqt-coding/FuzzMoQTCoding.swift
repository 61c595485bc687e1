import FuzzSupport
import MoQT
import Wire

/// libFuzzer harness for the MoQT codings shared by every message and object: vi64, one
/// Key-Value-Pair, counted and length-bounded Key-Value-Pair lists and the Object Properties block.
///
/// Input: byte 0 picks the decoder (low 2 bits) and, for counted lists, the count (high bits);
/// the rest is the encoding. Each successful decode is re-encoded and decoded again: the values
/// must match, and the re-encoding must be stable.
enum FuzzMoQTCoding {
    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let bytes = Array(input.dropFirst())
        vi64s(bytes)
        switch mode & 0x3 {
        case 0: singlePair(bytes)
        case 1: countedList(bytes, count: UInt64(mode >> 2))
        case 2: boundedList(bytes)
        default: objectProperties(bytes)
        }
    }

    /// Every vi64 in `bytes` read back to back: the announced length is consumed, and the minimal
    /// and the forced-length re-encodings decode to the same value.
    static func vi64s(_ bytes: [UInt8]) {
        var r = ByteReader(bytes)
        while !r.isAtEnd {
            let before = r.offset
            let length = VI64.length(firstByte: bytes[before])
            guard let v = try? r.readVI64() else {
                fuzzCheck(r.offset == before, "readVI64 moved on needMoreData")
                fuzzCheck(r.remaining < length, "readVI64 failed with \(r.remaining) bytes for a \(length)-byte vi64")
                return
            }
            fuzzCheckEqual(r.offset - before, length, "consumed vs announced vi64 length")
            let minimal = VI64.encode(v)
            fuzzCheckEqual(minimal.count, VI64.encodedLength(v), "minimal vi64 length")
            fuzzCheck(minimal.count <= length, "minimal encoding longer than a valid one")
            fuzzCheckEqual(decodeOne(minimal), v, "vi64 after minimal re-encoding")
            fuzzCheckEqual(decodeOne(VI64.encode(v, length: length)), v, "vi64 after same-length re-encoding")
            if length == VI64.maxLength || length == VI64.encodedLength(v) {
                fuzzCheckEqual(VI64.encode(v, length: length), Array(bytes[before..<r.offset]), "same-length re-encoding")
            }
        }
    }

    static func decodeOne(_ bytes: [UInt8]) -> UInt64? {
        var r = ByteReader(bytes)
        guard let v = try? r.readVI64(), r.isAtEnd else { return nil }
        return v
    }

    static func singlePair(_ bytes: [UInt8]) {
        let previous: UInt64 = bytes.first.map { UInt64($0) } ?? 0
        var r = ByteReader(bytes)
        guard let pair = decodeOrCheck(&r, { try KeyValuePair.decode(from: &$0, previousType: previous) }) else { return }
        fuzzCheck(pair.type >= previous, "pair type below the previous type")
        fuzzCheck((pair.type & 1 == 0) == (pair.integerValue != nil), "pair value does not match the type's parity")
        var w = ByteWriter()
        pair.encode(into: &w, previousType: previous)
        var again = ByteReader(w.bytes)
        let back = try? KeyValuePair.decode(from: &again, previousType: previous)
        fuzzCheckEqual(back, pair, "key-value pair after re-encoding")
        fuzzCheck(again.isAtEnd, "re-encoded pair not consumed whole")
    }

    static func countedList(_ bytes: [UInt8], count: UInt64) {
        var r = ByteReader(bytes)
        guard let pairs = decodeOrCheck(&r, { try KeyValuePair.decodeList(from: &$0, count: count) }) else { return }
        fuzzCheckEqual(UInt64(pairs.count), count, "pair count")
        checkNonDecreasing(pairs)
        var w = ByteWriter()
        KeyValuePair.encodeList(pairs, into: &w)
        fuzzCheckEqual(w.count, KeyValuePair.encodedLength(pairs), "encodedLength")
        var again = ByteReader(w.bytes)
        fuzzCheckEqual(try? KeyValuePair.decodeList(from: &again, count: count), pairs, "counted list after re-encoding")
        fuzzCheck(again.isAtEnd, "re-encoded list not consumed whole")
    }

    static func boundedList(_ bytes: [UInt8]) {
        var r = ByteReader(bytes)
        guard let pairs = decodeOrCheck(&r, { try KeyValuePair.decodeList(from: &$0, byteCount: bytes.count) }) else { return }
        fuzzCheck(r.isAtEnd, "length-bounded list did not consume its block")
        checkNonDecreasing(pairs)
        var w = ByteWriter()
        KeyValuePair.encodeList(pairs, into: &w)
        var again = ByteReader(w.bytes)
        fuzzCheckEqual(try? KeyValuePair.decodeList(from: &again, byteCount: w.count), pairs, "bounded list after re-encoding")
    }

    static func objectProperties(_ bytes: [UInt8]) {
        var r = ByteReader(bytes)
        guard let props = decodeOrCheck(&r, { try ObjectProperties.decode(from: &$0) }) else { return }
        checkNonDecreasing(props.pairs)
        for p in props.pairs {
            fuzzCheck(props.all(p.type).contains(p), "all(type) misses a pair")
            if p.type & 1 == 0 { fuzzCheck(props.integer(p.type) != nil, "integer(type) is nil") }
            else { fuzzCheck(props.bytes(p.type) != nil, "bytes(type) is nil") }
        }
        var w = ByteWriter()
        props.encode(into: &w)
        var again = ByteReader(w.bytes)
        fuzzCheckEqual(try? ObjectProperties.decode(from: &again), props, "object properties after re-encoding")
        fuzzCheck(again.isAtEnd, "re-encoded properties not consumed whole")
        // Decoded pairs are in wire order already, so the re-encoding is the decoder's own layout
        // with minimal vi64s: encoding it again gives the same bytes.
        var w2 = ByteWriter()
        var r3 = ByteReader(w.bytes)
        if let p3 = try? ObjectProperties.decode(from: &r3) { p3.encode(into: &w2) }
        fuzzCheckEqual(w2.bytes, w.bytes, "second re-encoding of object properties")
    }

    /// Runs `decode`; a failure must be `needMoreData` without moving, or a `MoQTError`.
    static func decodeOrCheck<T>(_ r: inout ByteReader, _ decode: (inout ByteReader) throws -> T) -> T? {
        let before = r.offset
        do {
            return try decode(&r)
        } catch DecodeError.needMoreData {
            fuzzCheckEqual(r.offset, before, "reader offset after needMoreData")
        } catch is MoQTError {
        } catch {
            fuzzCheck(false, "unexpected error type \(type(of: error)): \(error)")
        }
        return nil
    }

    static func checkNonDecreasing(_ pairs: [KeyValuePair]) {
        for i in pairs.indices.dropFirst() { fuzzCheck(pairs[i - 1].type <= pairs[i].type, "decoded pair types decrease") }
    }

    static func seeds() -> [(String, [UInt8])] {
        var pairs = ByteWriter()
        KeyValuePair.encodeList([KeyValuePair(type: 2, integer: 300), KeyValuePair(type: 3, bytes: [1, 2, 3]),
                                 KeyValuePair(type: 0x40, integer: .max)], into: &pairs)
        var props = ByteWriter()
        ObjectProperties([KeyValuePair(type: 6, integer: 1_000_000), KeyValuePair(type: 0x0b, bytes: Array("loc".utf8))]).encode(into: &props)
        var vis: [UInt8] = []
        for v: UInt64 in [0, 127, 128, 16_383, 1 << 20, 1 << 40, .max] { vis += VI64.encode(v) }
        return [
            ("vi64-all-lengths", [0] + vis),
            ("pair-integer", [0] + pairs.bytes.prefix(3)),
            ("list-counted-3", [1 | (3 << 2)] + pairs.bytes),
            ("list-bounded", [2] + pairs.bytes),
            ("object-properties", [3] + props.bytes),
        ]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMoQTCoding.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-moqt-coding", harness: FuzzMoQTCoding.run, seeds: FuzzMoQTCoding.seeds) }
}
#endif
