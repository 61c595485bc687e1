import FuzzSupport
import MoQT
import Wire

/// libFuzzer harness for the draft-18 data plane: `Draft18.DataStreamParser` on subgroup, fetch,
/// padding and control streams (whole objects and streamed payloads), `Draft18.Datagram` /
/// `Draft18.ObjectDatagram`, and the track alias locators used for in-place rewriting.
///
/// Input: byte 0 is a mode (bit 0: the FETCH's group order is descending; bit 4: the draft-22
/// profile, whose fetch streams may also end a range as timed out (0x20C); bits 1-3: chunk size
/// minus one); the rest is the stream, and also a datagram. The stream is parsed four ways
/// (whole objects / streamed payloads, all at once / in chunks): all must agree on the objects,
/// the error code and whether FIN would be clean. The objects are re-encoded with the real
/// encoders and must parse back identically.
enum FuzzMoQTData {
    typealias Event = Draft18.DataStreamParser.Event

    struct Outcome: Equatable {
        var events: [Event] = []
        var error: SessionErrorCode?
        var finishError: SessionErrorCode?
        var controlBytes: [UInt8]?
    }

    static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let stream = Array(input.dropFirst())
        let order: GroupOrder = mode & 1 != 0 ? .descending : .ascending
        let chunk = 1 + Int((mode >> 1) & 0x7)
        draft = mode & 0x10 != 0 ? .draft22 : .draft18

        let whole = parse(stream, chunk: stream.count, streaming: false, order: order)
        let wholeChunked = parse(stream, chunk: chunk, streaming: false, order: order)
        fuzzCheckEqual(wholeChunked, whole, "whole-object parse at once vs in \(chunk)-byte chunks")
        let streamed = normalize(parse(stream, chunk: stream.count, streaming: true, order: order))
        let streamedChunked = normalize(parse(stream, chunk: chunk, streaming: true, order: order))
        fuzzCheckEqual(streamedChunked, streamed, "streamed-payload parse at once vs in \(chunk)-byte chunks")
        fuzzCheckEqual(streamed, whole, "streamed-payload vs whole-object parse")
        if whole.error == nil { reencode(whole, order: order) }
        limited(stream, chunk: chunk, order: order, unlimited: whole)
        if case .subgroupHeader(let h)? = whole.events.first {
            fuzzCheckEqual(Draft18.SubgroupHeader.trackAliasRange(in: stream).map { vi64(stream, $0) }, h.trackAlias, "track alias at trackAliasRange")
        }
        if let bytes = whole.controlBytes {
            fuzzCheckEqual(bytes, stream, "buffered bytes of a control stream")
        }
        datagram(stream)
    }

    /// With a 16-byte object limit the parser gives the same events as without, up to the first
    /// object larger than that, which throws `ObjectTooLarge` (naming it) instead of being buffered.
    /// The profile of the current input (byte 0, bit 4).
    nonisolated(unsafe) static var draft: MoQTDraft = .draft18

    static func limited(_ stream: [UInt8], chunk: Int, order: GroupOrder, unlimited: Outcome) {
        var parser = Draft18.DataStreamParser(groupOrderForFetch: { _ in order })
        parser.draft = draft
        parser.maxObjectPayload = 16
        var events: [Event] = []
        do {
            for piece in FuzzBytes.chunks(stream, size: chunk) {
                parser.append(piece)
                while let e = try parser.next() { events.append(e) }
            }
        } catch let tooLarge as Draft18.ObjectTooLarge {
            fuzzCheck(tooLarge.payloadLength > 16, "ObjectTooLarge for \(tooLarge.payloadLength) bytes")
        } catch is MoQTError {
        } catch {
            fuzzCheck(false, "limited parser threw \(type(of: error)): \(error)")
        }
        func content(_ list: [Event]) -> [Event] { list.filter { if case .padding = $0 { return false } else { return true } } }
        let got = content(events), all = content(unlimited.events)
        fuzzCheck(got.count <= all.count && Array(all.prefix(got.count)) == got, "the limited parse is a prefix of the unlimited one")
        for e in events {
            if case .subgroupObject(let o) = e { fuzzCheck(o.payload.count <= 16, "object of \(o.payload.count) bytes passed a 16-byte limit") }
            if case .fetchItem(.object(let o)) = e { fuzzCheck(o.payload.count <= 16, "fetch object of \(o.payload.count) bytes passed a 16-byte limit") }
        }
    }

    static func vi64(_ bytes: [UInt8], _ range: Range<Int>) -> UInt64? {
        var r = ByteReader(bytes, range: range)
        guard let v = try? r.readVI64(), r.isAtEnd else { return nil }
        return v
    }

    static func parse(_ stream: [UInt8], chunk: Int, streaming: Bool, order: GroupOrder) -> Outcome {
        var parser = Draft18.DataStreamParser(streamPayloads: streaming, groupOrderForFetch: { _ in order })
        parser.draft = draft
        var out = Outcome()
        do {
            for piece in FuzzBytes.chunks(stream, size: chunk) {
                parser.append(piece)
                while let e = try parser.next() { out.events.append(e) }
            }
        } catch let e as MoQTError {
            out.error = e.code
            out.events = mergePadding(out.events)
            return out
        } catch {
            fuzzCheck(false, "data stream parser threw \(type(of: error)): \(error)")
        }
        do { try parser.finish() } catch let e as MoQTError { out.finishError = e.code } catch {
            fuzzCheck(false, "finish() threw \(type(of: error)): \(error)")
        }
        out.events = mergePadding(out.events)
        if out.events.last == .controlStream { out.controlBytes = parser.takeBufferedBytes() }
        // The subgroup ID the parser reports matches the header and the first object.
        if case .subgroupHeader(let h)? = out.events.first {
            fuzzCheckEqual(parser.subgroupHeader, h, "parser.subgroupHeader")
            let firstID: UInt64? = out.events.lazy.compactMap { e -> UInt64? in
                switch e {
                case .subgroupObject(let o): return o.objectID
                case .subgroupObjectHeader(let o): return o.objectID
                default: return nil
                }
            }.first
            if case .firstObjectID = h.subgroupID {
                fuzzCheckEqual(parser.subgroupID, firstID, "subgroup ID taken from the first object")
            } else {
                fuzzCheckEqual(parser.subgroupID, h.resolvedSubgroupID(firstObjectID: 0), "subgroup ID from the header")
            }
        }
        return out
    }

    /// Streamed events in the whole-object form: header + payload chunks become one object (an
    /// object whose payload is cut short is dropped, as the whole-object parser still waits for
    /// it), and consecutive padding counts are merged (chunking splits them).
    static func normalize(_ o: Outcome) -> Outcome {
        var out = o
        out.events = []
        var pendingSubgroup: Draft18.SubgroupObjectHeader?
        var pendingFetch: Draft18.FetchObjectHeader?
        var payload: [UInt8] = []
        for e in o.events {
            switch e {
            case .subgroupObjectHeader(let h):
                if h.payloadLength == 0 { out.events.append(.subgroupObject(subgroupObject(h, []))) } else { pendingSubgroup = h; payload = [] }
            case .fetchObjectHeader(let h):
                if h.payloadLength == 0 { out.events.append(.fetchItem(.object(fetchObject(h, [])))) } else { pendingFetch = h; payload = [] }
            case .payload(let bytes, let isFinal):
                fuzzCheck(pendingSubgroup != nil || pendingFetch != nil, "payload event without an object header")
                payload += bytes
                if isFinal {
                    if let h = pendingSubgroup {
                        fuzzCheckEqual(UInt64(payload.count), h.payloadLength, "streamed subgroup payload length")
                        out.events.append(.subgroupObject(subgroupObject(h, payload)))
                    }
                    if let h = pendingFetch {
                        fuzzCheckEqual(UInt64(payload.count), h.payloadLength, "streamed fetch payload length")
                        out.events.append(.fetchItem(.object(fetchObject(h, payload))))
                    }
                    pendingSubgroup = nil
                    pendingFetch = nil
                }
            default:
                out.events.append(e)
            }
        }
        return out
    }

    static func mergePadding(_ events: [Event]) -> [Event] {
        var out: [Event] = []
        for e in events {
            if case .padding(let n) = e, case .padding(let m)? = out.last { out[out.count - 1] = .padding(m + n) } else { out.append(e) }
        }
        return out
    }

    static func subgroupObject(_ h: Draft18.SubgroupObjectHeader, _ payload: [UInt8]) -> Draft18.SubgroupObject {
        h.status == .normal ? Draft18.SubgroupObject(objectID: h.objectID, properties: h.properties, payload: payload)
                            : Draft18.SubgroupObject(objectID: h.objectID, status: h.status)
    }

    static func fetchObject(_ h: Draft18.FetchObjectHeader, _ payload: [UInt8]) -> Draft18.FetchObject {
        Draft18.FetchObject(location: h.location, forwarding: h.forwarding, publisherPriority: h.publisherPriority,
                            properties: h.properties, payload: payload, status: h.status)
    }

    /// Writes the parsed stream again with the encoders and parses that.
    static func reencode(_ o: Outcome, order: GroupOrder) {
        var w = ByteWriter()
        switch o.events.first {
        case .subgroupHeader(let h)?:
            h.encode(into: &w)
            var coder = Draft18.SubgroupObjectCoder(header: h)
            for e in o.events.dropFirst() {
                guard case .subgroupObject(let obj) = e else { fuzzCheck(false, "subgroup stream event \(e)"); return }
                coder.encode(obj, into: &w)
            }
        case .fetchHeader(let h)?:
            h.encode(into: &w)
            var coder = Draft18.FetchObjectCoder(groupOrder: order)
            for e in o.events.dropFirst() {
                guard case .fetchItem(let item) = e else { fuzzCheck(false, "fetch stream event \(e)"); return }
                coder.encode(item, into: &w)
            }
        default:
            return
        }
        let again = parse(w.bytes, chunk: w.count, streaming: false, order: order)
        fuzzCheckEqual(again.events, o.events, "stream events after re-encoding (\(FuzzBytes.hex(w.bytes)))")
        fuzzCheck(again.error == nil && again.finishError == nil, "re-encoded stream rejected: \(String(describing: again.error ?? again.finishError))")
    }

    static func datagram(_ bytes: [UInt8]) {
        let d: Draft18.Datagram
        do { d = try Draft18.Datagram.decode(bytes) } catch is MoQTError { return } catch {
            fuzzCheck(false, "datagram decoder threw \(type(of: error)): \(error)"); return
        }
        let again = d.encoded()
        fuzzCheckEqual(try? Draft18.Datagram.decode(again), d, "datagram after re-encoding")
        if case .object(let o) = d {
            fuzzCheck(Draft18.ObjectDatagram.isValidType(o.datagramType), "re-encoded datagram type invalid")
            fuzzCheckEqual(Draft18.ObjectDatagram.trackAliasRange(in: bytes).map { vi64(bytes, $0) }, o.trackAlias, "track alias at trackAliasRange")
            fuzzCheckEqual(try? Draft18.ObjectDatagram.decode(o.encoded(trackAliasLength: 9)), o, "datagram with a 9-byte alias")
        }
    }

    static func seeds() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        let props = ObjectProperties([KeyValuePair(type: 6, integer: 33_000), KeyValuePair(type: 0x0d, bytes: [9, 9])])
        for (name, header) in [
            ("subgroup-zero", Draft18.SubgroupHeader(trackAlias: 1, groupID: 0, subgroupID: .zero, publisherPriority: 128)),
            ("subgroup-first-id", Draft18.SubgroupHeader(trackAlias: 2, groupID: 7, subgroupID: .firstObjectID, publisherPriority: nil, hasProperties: true)),
            ("subgroup-explicit", Draft18.SubgroupHeader(trackAlias: 300, groupID: 1 << 33, subgroupID: .explicit(5), publisherPriority: 1,
                                                        hasProperties: true, endOfGroup: true, firstObject: true)),
        ] {
            var w = ByteWriter()
            header.encode(into: &w)
            var coder = Draft18.SubgroupObjectCoder(header: header)
            coder.encode(Draft18.SubgroupObject(objectID: 3, properties: header.hasProperties ? props : [], payload: [1, 2, 3, 4]), into: &w)
            coder.encode(Draft18.SubgroupObject(objectID: 4, payload: Array(repeating: 0x55, count: 20)), into: &w)
            coder.encode(Draft18.SubgroupObject(objectID: 9, status: .endOfGroup), into: &w)
            out.append((name, [0x06] + w.bytes))
        }
        for (name, order) in [("fetch-ascending", GroupOrder.ascending), ("fetch-descending", .descending)] {
            var w = ByteWriter()
            Draft18.FetchHeader(requestID: 6).encode(into: &w)
            var coder = Draft18.FetchObjectCoder(groupOrder: order)
            let g0: UInt64 = order == .ascending ? 2 : 9
            let g1: UInt64 = order == .ascending ? 5 : 4
            coder.encode(.object(Draft18.FetchObject(location: Location(group: g0, object: 0), forwarding: .subgroup(0), publisherPriority: 3, properties: props, payload: [7, 7])), into: &w)
            coder.encode(.object(Draft18.FetchObject(location: Location(group: g0, object: 1), forwarding: .subgroup(1), publisherPriority: 3, payload: [8])), into: &w)
            coder.encode(.object(Draft18.FetchObject(location: Location(group: g0, object: 4), forwarding: .datagram, publisherPriority: 9, payload: [])), into: &w)
            coder.encode(.endOfRange(Location(group: g1, object: 0), nonExistent: true), into: &w)
            coder.encode(.object(Draft18.FetchObject(location: Location(group: g1, object: 6), forwarding: .subgroup(12), publisherPriority: 9, payload: [1, 2, 3])), into: &w)
            coder.encode(.endOfRange(Location(group: g1, object: 9), nonExistent: false), into: &w)
            out.append((name, [order == .ascending ? 0x02 : 0x03] + w.bytes))
        }
        out.append(("padding-stream", [0x00] + VI64.encode(Draft18.UniStreamType.paddingType) + [0, 0, 0, 0]))
        out.append(("control-stream", [0x00] + Draft18.ControlMessage.setup(Draft18.Setup(options: SetupOptions(path: "/moq"))).encoded()))
        for (name, d) in [
            ("datagram-payload", Draft18.ObjectDatagram(trackAlias: 1, groupID: 2, objectID: 3, publisherPriority: 4, endOfGroup: true, properties: props, content: .payload([1, 2, 3]))),
            ("datagram-status", Draft18.ObjectDatagram(trackAlias: 1, groupID: 2, objectID: 0, publisherPriority: nil, content: .status(.endOfTrack))),
        ] {
            out.append((name, [0x00] + d.encoded()))
        }
        out.append(("datagram-padding", [0x00] + Draft18.Datagram.padding(3).encoded()))
        // draft-22: a fetch stream ending with End of Timed-Out Range (0x20C), mode bit 4 set.
        var w = ByteWriter()
        Draft18.FetchHeader(requestID: 4).encode(into: &w)
        var coder = Draft18.FetchObjectCoder(groupOrder: .ascending)
        coder.encode(.object(Draft18.FetchObject(location: Location(group: 3, object: 0), forwarding: .subgroup(0), publisherPriority: 1, payload: [5])), into: &w)
        w.writeVI64(Draft18.FetchObjectCoder.endOfTimedOutRange)
        w.writeVI64(3)
        w.writeVI64(8)
        out.append(("d22-fetch-timed-out-range", [0x12] + w.bytes))
        return out
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMoQTData.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-moqt-data", harness: FuzzMoQTData.run, seeds: FuzzMoQTData.seeds) }
}
#endif
