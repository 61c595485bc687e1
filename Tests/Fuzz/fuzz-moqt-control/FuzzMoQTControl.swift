import FuzzSupport
import MoQT
import Wire

/// libFuzzer harness for the draft-18 control stream: `Draft18.ControlStreamParser` and
/// `Draft18.ControlMessage` (every message's payload decoder).
///
/// The whole input is a control stream. It is parsed twice, at once and in small chunks: both
/// must give the same messages and the same error code. Every message must survive
/// encode -> decode unchanged, with a stable encoding; whatever the strict options accept, the
/// lenient ones accept too. Byte 0 also picks a message type whose payload decoder gets the rest
/// of the input directly, so each decoder is reached without guessing the framing, and its top
/// bit (0x80) picks the wire profile: draft-22 (LOCATION_FILTER, FETCH without Fetch Type,
/// inclusive FETCH_OK end, GOAWAY without Request ID, PUBLISH_STATE_NOTIFY) instead of draft-18.
enum FuzzMoQTControl {
    struct Outcome: Equatable {
        var messages: [Draft18.ControlMessage] = []
        var error: SessionErrorCode?
    }

    static let types: [UInt64] = [0x2F00, 0x10, 0x3, 0x4, 0x2, 0x1D, 0xB, 0x16, 0x18, 0xD, 0x6, 0x50, 0x51, 0x8, 0xE, 0xF, 0x7, 0x1E, 0x5, 0x22]

    static func run(_ input: [UInt8]) {
        let draft: MoQTDraft = (input.first ?? 0) & 0x80 != 0 ? .draft22 : .draft18
        let lenient = Draft18.DecodeOptions.lenient.with(draft: draft)
        let whole = parse(input, chunk: input.count, options: lenient)
        let chunk = 1 + Int(input.first ?? 0) % 7
        fuzzCheckEqual(parse(input, chunk: chunk, options: lenient), whole, "control stream parsed whole vs in \(chunk)-byte chunks")
        let strict = parse(input, chunk: input.count, options: Draft18.DecodeOptions.strict.with(draft: draft))
        fuzzCheck(strict.messages.count <= whole.messages.count, "strict decoding accepted more messages than lenient")
        fuzzCheckEqual(Array(whole.messages.prefix(strict.messages.count)), strict.messages, "strict vs lenient messages")
        for m in whole.messages { roundTrip(m, draft: draft) }

        if let first = input.first {
            let messageType = types[Int(first & 0x7F) % types.count]
            var r = ByteReader(Array(input.dropFirst()))
            do {
                let m = try Draft18.ControlMessage.decodePayload(type: messageType, &r, options: Draft18.DecodeOptions.standard.with(draft: draft))
                roundTrip(m, draft: draft)
            } catch is MoQTError {
            } catch DecodeError.needMoreData {
            } catch {
                fuzzCheck(false, "payload decoder threw \(type(of: error)): \(error)")
            }
        }
    }

    /// Feeds `input` in pieces of `chunk` bytes, taking every message out after each piece.
    static func parse(_ input: [UInt8], chunk: Int, options: Draft18.DecodeOptions) -> Outcome {
        var parser = Draft18.ControlStreamParser(options: options)
        var out = Outcome()
        do {
            for piece in FuzzBytes.chunks(input, size: chunk) {
                parser.append(piece)
                while let m = try parser.next() { out.messages.append(m) }
            }
            fuzzCheck(parser.bufferedByteCount >= 0 && parser.bufferedByteCount <= input.count, "buffered byte count out of range")
            do { try parser.finish() } catch let e as MoQTError {
                fuzzCheck(parser.bufferedByteCount > 0, "finish() failed with nothing buffered: \(e)")
            }
        } catch let e as MoQTError {
            out.error = e.code
        } catch {
            fuzzCheck(false, "control parser threw \(type(of: error)): \(error)")
        }
        return out
    }

    /// encode -> decode gives the message back and consumes exactly the encoding; encoding the
    /// decoded copy gives the same bytes.
    static func roundTrip(_ m: Draft18.ControlMessage, draft: MoQTDraft) {
        _ = m.name
        _ = m.description
        _ = m.opensRequestStream
        fuzzCheck(Draft18.ControlMessage.isKnown(m.messageType, draft: draft), "decoded message of unknown type")
        let bytes = m.encoded(draft: draft)
        var r = ByteReader(bytes)
        let back: Draft18.ControlMessage
        do {
            back = try Draft18.ControlMessage.decode(from: &r, options: Draft18.DecodeOptions.lenient.with(draft: draft))  // as the messages were decoded
        } catch {
            fuzzCheck(false, "re-encoded \(m.name) does not decode: \(error)\n  message: \(m)\n  bytes: \(FuzzBytes.hex(bytes))")
            return
        }
        fuzzCheck(r.isAtEnd, "re-encoded \(m.name) not consumed whole")
        fuzzCheckEqual(back, m, "\(m.name) before and after encode/decode")
        fuzzCheckEqual(back.encoded(draft: draft), bytes, "\(m.name) encoding after a round trip")
    }

    static func seeds() -> [(String, [UInt8])] {
        let ns = TrackNamespace(strings: ["example", "live"])
        let track = FullTrackName(namespace: ns, name: "video")
        var params = MessageParameters()
        params.subscriberPriority = 7
        params.forward = true
        params.groupOrder = .descending
        params.subscriptionFilter = .absoluteStart(Location(group: 3, object: 0))
        params.authorizationTokens = [.useValue(type: 1, value: [0xaa, 0xbb])]
        var okParams = MessageParameters()
        okParams.largestObject = Location(group: 9, object: 4)
        okParams.expires = 30_000
        var options = SetupOptions(path: "/moq", authority: "relay.example", implementation: "moq-fastrelay")
        options.maxAuthTokenCacheSize = 4096
        let props = [KeyValuePair(type: 4, integer: 100), KeyValuePair(type: 5, bytes: [1, 2])]
        let messages: [(String, Draft18.ControlMessage)] = [
            ("setup", .setup(Draft18.Setup(options: options))),
            ("goaway", .goAway(Draft18.GoAway(newSessionURI: "moqt://other.example/moq", timeout: 5000, requestID: 12))),
            ("subscribe", .subscribe(Draft18.Subscribe(requestID: 2, track: track, parameters: params))),
            ("subscribe-ok", .subscribeOK(Draft18.SubscribeOK(trackAlias: 1, parameters: okParams, trackProperties: props))),
            ("request-update", .requestUpdate(Draft18.RequestUpdate(requestID: 2, parameters: params))),
            ("publish", .publish(Draft18.Publish(requestID: 4, track: track, trackAlias: 9, parameters: okParams, trackProperties: props))),
            ("publish-done", .publishDone(Draft18.PublishDone(statusCode: PublishDoneCode(rawValue: 2), streamCount: 17, reason: "ended"))),
            ("fetch-standalone", .fetch(Draft18.Fetch(requestID: 6, range: .standalone(track: track, start: Location(group: 1, object: 0), end: Location(group: 5, object: 0))))),
            ("fetch-joining", .fetch(Draft18.Fetch(requestID: 8, range: .relativeJoining(requestID: 2, groupsBack: 1)))),
            ("fetch-ok", .fetchOK(Draft18.FetchOK(endOfTrack: true, endLocation: Location(group: 5, object: 2), trackProperties: props))),
            ("track-status", .trackStatus(Draft18.TrackStatus(requestID: 10, track: track))),
            ("publish-namespace", .publishNamespace(Draft18.PublishNamespace(requestID: 12, namespace: ns, parameters: params))),
            ("namespace", .namespace(Draft18.Namespace(suffix: TrackNamespace(strings: ["a"])))),
            ("namespace-done", .namespaceDone(Draft18.NamespaceDone(suffix: TrackNamespace(strings: ["a", "b"])))),
            ("subscribe-namespace", .subscribeNamespace(Draft18.SubscribeNamespace(requestID: 14, prefix: ns))),
            ("subscribe-tracks", .subscribeTracks(Draft18.SubscribeTracks(requestID: 16, prefix: ns))),
            ("publish-blocked", .publishBlocked(Draft18.PublishBlocked(suffix: ns, trackName: Array("audio".utf8)))),
            ("request-ok", .requestOK(Draft18.RequestOK(parameters: okParams, trackProperties: props))),
            ("request-error-redirect", .requestError(Draft18.RequestError(code: .redirect, retryInterval: 1000, reason: "moved",
                redirect: Redirect(connectURI: "moqt://b.example", namespace: ns, trackName: Array("video".utf8))))),
        ]
        var all: [UInt8] = []
        var out: [(String, [UInt8])] = []
        for (i, (name, m)) in messages.enumerated() {
            let bytes = m.encoded()
            all += bytes
            out.append(("msg-\(name)", bytes))
            // The same message as a bare payload for the type selector of byte 0.
            var r = ByteReader(bytes)
            _ = try? r.readVI64()
            _ = try? r.readUInt16()
            if let k = types.firstIndex(of: m.messageType) { out.append(("payload-\(name)", [UInt8(k)] + r.readRest())) }
            _ = i
        }
        out.append(("stream-all-messages", all))
        // draft-22: the messages whose encoding differs, as streams (byte 0's top bit set) and payloads.
        var fill = MessageParameters()
        fill.fillParameters = Draft22.FillRequest(locationFilter: .relativeStart(groupsBack: 1)).encoded
        fill.includeProperties = true
        var notify = MessageParameters()
        notify.forward = false
        notify.largestObject = Location(group: 4, object: 1)
        var ranges = MessageParameters()
        ranges.rangeFilters = [RangeFilter(kind: .subgroup, setID: 0, ranges: [.init(3, 5), .init(10, 15)]),
                               RangeFilter(kind: .objectProperty, setID: 1, propertyType: 4, ranges: [.init(7, nil)])]
        var fillRanges = MessageParameters()
        fillRanges.fillParameters = Draft22.FillRequest(rangeFilters: [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 0)])]).encoded
        fillRanges.rangeFilters = [.removal(.priority), RangeFilter(kind: .trackProperty, setID: 2, propertyType: 6, ranges: [.init(1, 1)])]
        var limits = SetupOptions(implementation: "fuzz")
        limits.maxFilterRanges = 16
        limits.maxRequestUpdates = 2
        let d22: [(String, Draft18.ControlMessage)] = [
            ("subscribe-range-filters", .subscribe(Draft18.Subscribe(requestID: 8, track: track, parameters: ranges))),
            ("fetch-range-filters", .fetch(Draft18.Fetch(requestID: 10, range: .standalone(track: track, start: .zero, end: Draft22.openEnd), parameters: ranges))),
            ("request-update-range-filters", .requestUpdate(Draft18.RequestUpdate(requestID: 12, parameters: fillRanges))),
            ("setup-filter-limits", .setup(Draft18.Setup(options: limits))),
            ("subscribe", .subscribe(Draft18.Subscribe(requestID: 2, track: track, parameters: params))),
            ("subscribe-fill", .subscribe(Draft18.Subscribe(requestID: 4, track: track, parameters: fill))),
            ("fetch", .fetch(Draft18.Fetch(requestID: 6, range: .standalone(track: track, start: Location(group: 1, object: 0), end: Location(group: 5, object: 3))))),
            ("fetch-ok", .fetchOK(Draft18.FetchOK(endOfTrack: false, endLocation: Location(group: 5, object: 0)))),
            ("goaway", .goAway(Draft18.GoAway(newSessionURI: "", timeout: 100))),
            ("publish-state-notify", .publishStateNotify(Draft22.PublishStateNotify(parameters: notify))),
        ]
        for (name, m) in d22 {
            let bytes = m.encoded(draft: .draft22)
            out.append(("d22-stream-\(name)", [0x80] + bytes))
            var r = ByteReader(bytes)
            _ = try? r.readVI64()
            _ = try? r.readUInt16()
            if let k = types.firstIndex(of: m.messageType) { out.append(("d22-payload-\(name)", [0x80 | UInt8(k)] + r.readRest())) }
        }
        return out
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzMoQTControl.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-moqt-control", harness: FuzzMoQTControl.run, seeds: FuzzMoQTControl.seeds) }
}
#endif
