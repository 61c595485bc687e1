import FuzzSupport
import MoQT
import Wire

/// libFuzzer harness for the MoQT codings shared by every message and object: vi64, one
/// Key-Value-Pair, counted and length-bounded Key-Value-Pair lists and the Object Properties block.
///
/// Also the typed views of properties (Track Properties accessors, IMMUTABLE_PROPERTIES) and the
/// AUTHORIZATION_TOKEN and SUBSCRIPTION_FILTER parameter value codecs.
///
/// Input: byte 0 picks the decoder (low 3 bits) and, for counted lists, the count (high bits);
/// the rest is the encoding. Each successful decode is re-encoded and decoded again: the values
/// must match, and the re-encoding must be stable.
enum FuzzMoQTCoding {
    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let bytes = Array(input.dropFirst())
        vi64s(bytes)
        switch mode & 0x7 {
        case 0: singlePair(bytes)
        case 1: countedList(bytes, count: UInt64(mode >> 3))
        case 2: boundedList(bytes)
        case 3: objectProperties(bytes)
        case 4, 5: token(bytes)
        default: filter(bytes)
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
        // Typed views: each either answers or throws MoQTError.
        _ = props.priorGroupIDGap
        _ = props.priorObjectIDGap
        _ = props.hasMandatoryTrackProperty
        expectMoQTError { _ = try props.immutable() }
        let track = TrackProperties(props.pairs)
        expectMoQTError { _ = try track.defaultPublisherPriority() }
        expectMoQTError { _ = try track.defaultGroupOrder() }
        expectMoQTError { _ = try track.dynamicGroups() }
        _ = track.maxCacheDuration
        _ = track.unsupportedMandatory()
    }

    static func token(_ bytes: [UInt8]) {
        var t: AuthorizationToken
        do { t = try Draft18.decodeToken(bytes) } catch { checkError(error); return }
        let again = Draft18.encodeToken(t)
        fuzzCheckEqual(try? Draft18.decodeToken(again), t, "authorization token after re-encoding")
        t = (try? Draft18.decodeToken(again)) ?? t
        fuzzCheckEqual(Draft18.encodeToken(t), again, "authorization token encoding after a round trip")
    }

    static func filter(_ bytes: [UInt8]) {
        let f: SubscriptionFilter
        do { f = try Draft18.decodeFilter(bytes) } catch { checkError(error); return }
        let again = Draft18.encodeFilter(f)
        fuzzCheckEqual(try? Draft18.decodeFilter(again), f, "subscription filter after re-encoding")
    }

    static func expectMoQTError(_ body: () throws -> Void) {
        do { try body() } catch { checkError(error) }
    }

    static func checkError(_ error: any Error) {
        fuzzCheck(error is MoQTError, "unexpected error type \(type(of: error)): \(error)")
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
        var immutable = ByteWriter()
        KeyValuePair.encodeList([KeyValuePair(type: 0x0e, integer: 7), KeyValuePair(type: 0x22, integer: 2)], into: &immutable)
        ObjectProperties([KeyValuePair(type: 6, integer: 1_000_000), KeyValuePair(type: 0x0b, bytes: immutable.bytes),
                          KeyValuePair(type: 0x0e, integer: 300), KeyValuePair(type: 0x30, integer: 1)]).encode(into: &props)
        var vis: [UInt8] = []
        for v: UInt64 in [0, 127, 128, 16_383, 1 << 20, 1 << 40, .max] { vis += VI64.encode(v) }
        return [
            ("vi64-all-lengths", [0] + vis),
            ("pair-integer", [0] + pairs.bytes.prefix(3)),
            ("list-counted-3", [1 | (3 << 3)] + pairs.bytes),
            ("token-register", [4] + Draft18.encodeToken(.register(alias: 5, type: 1, value: [1, 2, 3]))),
            ("token-use-alias", [5] + Draft18.encodeToken(.useAlias(alias: 5))),
            ("filter-range", [6] + Draft18.encodeFilter(.absoluteRange(start: Location(group: 3, object: 1), endGroupDelta: 10))),
            ("filter-largest", [7] + Draft18.encodeFilter(.largestObject)),
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
