import XCTest
import Wire
@testable import MoQT
import TestSupport

/// The draft-22 wire profile: every encoding that differs from draft-18, the messages that do
/// not, and two sessions speaking draft-22 to each other.
final class Draft22Tests: XCTestCase {
    let track = FullTrackName(namespace: ["a"], name: "v")
    let d22 = Draft18.DecodeOptions.standard.with(draft: .draft22)

    private func decode(_ bytes: [UInt8], _ options: Draft18.DecodeOptions) throws -> Draft18.ControlMessage {
        try decodeWholeControlMessage(bytes, options)
    }

    /// The payload after Type and Length.
    private func payload(_ m: Draft18.ControlMessage, _ draft: MoQTDraft) throws -> [UInt8] {
        var r = ByteReader(m.encoded(draft: draft))
        _ = try r.readVI64()
        _ = try r.readUInt16()
        return r.readRest()
    }

    private func assertViolation(_ body: @autoclosure () throws -> Any, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation, "\($0)", file: file, line: line)
        }
    }

    func testDraftNamesAndALPN() {
        XCTAssertEqual(MoQTDraft.draft22.alpn, "moqt-22")
        XCTAssertEqual(Draft22.alpn, "moqt-22")
        XCTAssertEqual(MoQTDraft(alpn: "moqt-18"), .draft18)
        XCTAssertEqual(MoQTDraft(alpn: "moqt-22"), .draft22)
        XCTAssertNil(MoQTDraft(alpn: "moqt-20"))
        XCTAssertNil(MoQTDraft(alpn: "h3"))
        XCTAssertEqual(MoQTDraft(argument: "22"), .draft22)
        XCTAssertEqual(MoQTDraft(argument: "draft-18"), .draft18)
        XCTAssertNil(MoQTDraft(argument: "14"))
    }

    // MARK: LOCATION_FILTER

    func testSubscriptionFilterIsALocationFilterAtDraft22() throws {
        let cases: [(SubscriptionFilter, d18: [UInt8], d22: [UInt8])] = [
            (.nextGroupStart, [0x21, 0x01, 0x01], [0x21, 0x01, 0x00]),
            (.largestObject, [0x21, 0x01, 0x02], [0x21, 0x05]),
            (.absoluteStart(Location(group: 5, object: 1)), [0x21, 0x03, 0x03, 0x05, 0x01], [0x21, 0x02, 0x05, 0x01]),
            (.absoluteRange(start: Location(group: 5, object: 1), endGroupDelta: 3), [0x21, 0x04, 0x04, 0x05, 0x01, 0x03],
             [0x21, 0x03, 0x05, 0x01, 0x03]),
        ]
        for (filter, b18, b22) in cases {
            var p = MessageParameters()
            p.subscriptionFilter = filter
            let m = Draft18.ControlMessage.subscribe(Draft18.Subscribe(requestID: 2, track: track, parameters: p))
            // Request ID, namespace ("a"), name ("v"), one parameter.
            let head: [UInt8] = [0x02, 0x01, 0x01, 0x61, 0x01, 0x76, 0x01]
            XCTAssertEqual(try payload(m, .draft18), head + b18, "\(filter)")
            XCTAssertEqual(try payload(m, .draft22), head + b22, "\(filter)")
            XCTAssertEqual(try decode(m.encoded(draft: .draft22), d22), m)
            XCTAssertEqual(try decode(m.encoded(), .standard), m)
            // Each draft's bytes are wrong for the other.
            XCTAssertNotEqual(try? decode(m.encoded(draft: .draft22), .standard), m)
        }
    }

    func testLocationFilterForms() throws {
        func read(_ bytes: [UInt8]) throws -> Draft22.LocationFilter {
            var r = ByteReader(bytes)
            let f = try Draft22.LocationFilter.decode(from: &r)
            XCTAssertTrue(r.isAtEnd)
            return f
        }
        XCTAssertEqual(try read([0x00]), Draft22.LocationFilter.none)
        XCTAssertNil(try read([0x00]).subscriptionFilter)
        XCTAssertEqual(try read([0x01, 0x03]), .relativeStart(groupsBack: 3))
        // Exact in the model: Relative Start n > 0 and an Absolute Range ending at an object.
        XCTAssertEqual(try read([0x01, 0x03]).subscriptionFilter, .relativeStart(groupsBack: 3))
        XCTAssertEqual(try read([0x01, 0x00]).subscriptionFilter, .nextGroupStart)
        XCTAssertEqual(try read([0x04, 0x05, 0x01, 0x02, 0x07]),
                       .absoluteRange(start: Location(group: 5, object: 1), end: Location(group: 7, object: 7)))
        XCTAssertEqual(try read([0x04, 0x05, 0x01, 0x02, 0x07]).subscriptionFilter,
                       .absoluteRangeToObject(start: Location(group: 5, object: 1), end: Location(group: 7, object: 7)))
        for bytes: [UInt8] in [[0x01, 0x03], [0x04, 0x05, 0x01, 0x02, 0x07], [0x03, 0x05, 0x01, 0x02]] {
            // model -> LOCATION_FILTER gives the same bytes back.
            var w = ByteWriter()
            Draft22.LocationFilter(try XCTUnwrap(try read(bytes).subscriptionFilter)).encode(into: &w)
            XCTAssertEqual(w.bytes, bytes)
        }
        // At draft-18 (SUBSCRIPTION_FILTER) the nearest forms: Next Group Start; Absolute Range to its end group.
        XCTAssertEqual(Draft18.encodeFilter(.relativeStart(groupsBack: 3)), Draft18.encodeFilter(.nextGroupStart))
        XCTAssertEqual(Draft18.encodeFilter(.absoluteRangeToObject(start: Location(group: 5, object: 1), end: Location(group: 7, object: 7))),
                       Draft18.encodeFilter(.absoluteRange(start: Location(group: 5, object: 1), endGroupDelta: 2)))
        XCTAssertEqual(try read([0x05]), .nextObject)
        // Unknown type; an end group past 2^64 - 1; a range ending before its start.
        assertViolation(try read([0x06]))
        var big = ByteWriter()
        Draft22.LocationFilter.absoluteGroupEnd(start: Location(group: .max, object: 0), endGroup: .max).encode(into: &big)
        var overflow = Array(big.bytes.dropLast())
        overflow.append(0x01)
        assertViolation(try read(overflow))
        assertViolation(try read([0x04, 0x05, 0x03, 0x00, 0x02]))
        // Truncated inside a message: need more data at this level, PROTOCOL_VIOLATION in a message.
        XCTAssertThrowsError(try read([0x02, 0x05]))
        var p = MessageParameters()
        p.subscriptionFilter = .absoluteStart(Location(group: 5, object: 1))
        var bytes = Draft18.ControlMessage.subscribe(Draft18.Subscribe(requestID: 2, track: track, parameters: p)).encoded(draft: .draft22)
        bytes.removeLast()
        bytes[2] -= 1   // Length
        assertViolation(try decode(bytes, d22))
    }

    // MARK: FETCH and FETCH_OK

    func testFetchCarriesItsRangeInALocationFilter() throws {
        let cases: [(Location, Location, [UInt8])] = [
            (Location(group: 1, object: 0), Location(group: 3, object: 0), [0x21, 0x03, 0x01, 0x00, 0x02]),
            (Location(group: 1, object: 0), Location(group: 3, object: 5), [0x21, 0x04, 0x01, 0x00, 0x02, 0x04]),
            (Location(group: 1, object: 2), Draft22.openEnd, [0x21, 0x02, 0x01, 0x02]),
        ]
        for (start, end, filter) in cases {
            let m = Draft18.ControlMessage.fetch(Draft18.Fetch(requestID: 4, range: .standalone(track: track, start: start, end: end)))
            // No Fetch Type: Request ID, the track, then the parameters.
            XCTAssertEqual(try payload(m, .draft22), [0x04, 0x01, 0x01, 0x61, 0x01, 0x76, 0x01] + filter)
            XCTAssertEqual(try decode(m.encoded(draft: .draft22), d22), m)
            XCTAssertEqual(try payload(m, .draft18).prefix(2), [0x04, 0x01])   // draft-18: Fetch Type 1
        }
        // Other parameters keep their places around LOCATION_FILTER.
        var p = MessageParameters()
        p.subscriberPriority = 7
        p.groupOrder = .descending
        p.includeProperties = true
        let m = Draft18.ControlMessage.fetch(Draft18.Fetch(requestID: 4, range: .standalone(track: track, start: Location(group: 0, object: 0),
                                                                                            end: Location(group: 2, object: 0)), parameters: p))
        XCTAssertEqual(try decode(m.encoded(draft: .draft22), d22), m)
        // No filter: the whole track up to the largest object.
        guard case .fetch(let f) = try decode(Draft18.frameForTest(0x16, [0x04, 0x01, 0x01, 0x61, 0x01, 0x76, 0x00]), d22) else { return XCTFail() }
        XCTAssertEqual(f.range, .standalone(track: track, start: Location(group: 0, object: 0), end: Draft22.openEnd))
        // A range relative to the largest object cannot be a model FETCH.
        assertViolation(try decode(Draft18.frameForTest(0x16, [0x04, 0x01, 0x01, 0x61, 0x01, 0x76, 0x01, 0x21, 0x05]), d22))
    }

    func testFetchOKEndLocationIsInclusiveAtDraft22() throws {
        let ok = Draft18.ControlMessage.fetchOK(Draft18.FetchOK(endOfTrack: false, endLocation: Location(group: 2, object: 1)))
        XCTAssertEqual(try payload(ok, .draft18), [0x00, 0x02, 0x01, 0x00])
        XCTAssertEqual(try payload(ok, .draft22), [0x00, 0x02, 0x00, 0x00])
        XCTAssertEqual(try decode(ok.encoded(draft: .draft22), d22), ok)
        // Object 0 (the whole group) is the group's last possible object on the wire.
        let whole = Draft18.ControlMessage.fetchOK(Draft18.FetchOK(endOfTrack: true, endLocation: Location(group: 3, object: 0)))
        let bytes = try payload(whole, .draft22)
        XCTAssertEqual(bytes.prefix(2), [0x01, 0x03])
        var r = ByteReader(Array(bytes.dropFirst(2)))
        XCTAssertEqual(try r.readVI64(), .max)
        XCTAssertEqual(try decode(whole.encoded(draft: .draft22), d22), whole)
    }

    // MARK: GOAWAY, PUBLISH_STATE_NOTIFY, new parameters

    func testGoAwayHasNoRequestIDAtDraft22() throws {
        let g = Draft18.ControlMessage.goAway(Draft18.GoAway(newSessionURI: "", timeout: 5, requestID: 9))
        XCTAssertEqual(try payload(g, .draft18), [0x00, 0x05, 0x09])
        XCTAssertEqual(try payload(g, .draft22), [0x00, 0x05])
        XCTAssertEqual(try decode(g.encoded(draft: .draft22), d22), .goAway(Draft18.GoAway(newSessionURI: "", timeout: 5)))
        assertViolation(try decode(g.encoded(draft: .draft18), d22))
    }

    func testPublishStateNotifyExistsOnlyAtDraft22() throws {
        let bytes: [UInt8] = [0x22, 0x00, 0x03, 0x01, 0x10, 0x00]   // FORWARD 0
        var p = MessageParameters()
        p.forward = false
        XCTAssertEqual(try decode(bytes, d22), .publishStateNotify(Draft22.PublishStateNotify(parameters: p)))
        XCTAssertEqual(Draft18.ControlMessage.publishStateNotify(Draft22.PublishStateNotify(parameters: p)).encoded(draft: .draft22), bytes)
        assertViolation(try decode(bytes, .standard))
        // Not a parameter it may carry.
        assertViolation(try decode([0x22, 0x00, 0x03, 0x01, 0x20, 0x05], d22))
    }

    func testIncludePropertiesAndFillParametersAreDraft22Parameters() throws {
        var p = MessageParameters()
        p.includeProperties = true
        p.fillParameters = [0x01, 0x21, 0x01, 0x00]
        let m = Draft18.ControlMessage.subscribe(Draft18.Subscribe(requestID: 2, track: track, parameters: p))
        XCTAssertEqual(try payload(m, .draft22).suffix(9), [0x02, 0x23, 0x04, 0x01, 0x21, 0x01, 0x00, 0x12, 0x01])
        XCTAssertEqual(try decode(m.encoded(draft: .draft22), d22), m)
        // draft-18 never writes them, and does not know their types.
        XCTAssertEqual(try payload(m, .draft18).last, 0x00)
        assertViolation(try decode(m.encoded(draft: .draft22), .standard))
        assertViolation(try decode(m.encoded(draft: .draft22), .lenient))
        // INCLUDE_PROPERTIES is 0 or 1.
        var bad = m.encoded(draft: .draft22)
        bad[bad.count - 1] = 2
        assertViolation(try decode(bad, d22))
    }

    func testMessagesDraft22DidNotChangeHaveDraft18Bytes() throws {
        var ok = MessageParameters()
        ok.largestObject = Location(group: 10, object: 4)
        ok.expires = 60_000
        var sub = MessageParameters()
        sub.subscriberPriority = 9
        sub.forward = true
        sub.groupOrder = .ascending
        let same: [Draft18.ControlMessage] = [
            .setup(Draft18.Setup(options: SetupOptions(path: "/x", implementation: "t"))),
            .subscribe(Draft18.Subscribe(requestID: 2, track: track, parameters: sub)),
            .subscribeOK(Draft18.SubscribeOK(trackAlias: 3, parameters: ok, trackProperties: [KeyValuePair(type: 0x0E, integer: 64)])),
            .publishDone(Draft18.PublishDone(statusCode: .trackEnded, streamCount: 4, reason: "done")),
            .publishNamespace(Draft18.PublishNamespace(requestID: 6, namespace: ["a"])),
            .requestOK(Draft18.RequestOK(parameters: ok)),
            .requestError(Draft18.RequestError(code: .doesNotExist, retryInterval: 0, reason: "no")),
            .namespace(Draft18.Namespace(suffix: ["b"])),
        ]
        for m in same {
            XCTAssertEqual(m.encoded(draft: .draft22), m.encoded(), m.name)
            XCTAssertEqual(try decode(m.encoded(), d22), m, m.name)
        }
    }

    // MARK: Sessions

    private func pair(seed: UInt64) throws -> SessionPair {
        let p = SessionPair(seed: seed)
        p.client.draft = .draft22
        p.server.draft = .draft22
        try p.start()
        XCTAssertTrue(p.client.isReady && p.server.isReady)
        return p
    }

    func testSessionsSubscribeAndFetchAtDraft22() throws {
        let p = try pair(seed: 31)
        let id = try p.client.subscribe(track, filter: .largestObject, subscriberPriority: 10)
        p.run()
        guard case .subscribeRequested(id, let s)? = p.serverEvents.last else { return XCTFail("no SUBSCRIBE") }
        XCTAssertEqual(s.parameters.subscriptionFilter, .largestObject)
        let alias = try p.server.acceptSubscribe(id, largest: Location(group: 3, object: 2))
        p.run()
        let st = try p.server.openSubgroup(id, groupID: 3, subgroupID: .zero, publisherPriority: 1)
        try p.server.writeObject(streamID: st, objectID: 3, payload: [7, 7])
        try p.server.endSubgroup(streamID: st)
        p.run()
        let got = p.clientEvents.compactMap { e -> MoQTReceivedObject? in if case .object(let o) = e { return o } else { return nil } }
        XCTAssertEqual(got.map(\.trackAlias), [alias])
        XCTAssertEqual(got.map(\.payload), [[7, 7]])

        let f = try p.client.fetch(track, start: Location(group: 1, object: 0), end: Location(group: 3, object: 2))
        p.run()
        guard case .fetchRequested(f, let fetch)? = p.serverEvents.last else { return XCTFail("no FETCH") }
        XCTAssertEqual(fetch.range, .standalone(track: track, start: Location(group: 1, object: 0), end: Location(group: 3, object: 2)))
        let fs = try p.server.acceptFetch(f, endOfTrack: false, endLocation: Location(group: 3, object: 2))
        try p.server.endFetch(streamID: fs)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .fetchOK(f, let ok) = $0 { return ok.endLocation == Location(group: 3, object: 2) } else { return false } })
        XCTAssertThrowsError(try p.client.fetch(range: .absoluteJoining(requestID: id, startGroup: 0))) {
            XCTAssertEqual($0 as? MoQTSessionError, .notInDraft("joining FETCH"))
        }
    }

    func testPublishOKCarriesNoForwardAtDraft22() throws {
        let p = try pair(seed: 32)
        let id = try p.client.publish(FullTrackName(namespace: ["a"], name: "p"), trackAlias: 7, forward: true)
        p.run()
        guard case .publishRequested(id, _)? = p.serverEvents.last else { return XCTFail("no PUBLISH") }
        try p.server.acceptPublish(id, forward: false, subscriberPriority: 3)
        p.run()
        // PUBLISH_OK without subscription parameters, then REQUEST_UPDATE with them.
        guard let ok = p.clientEvents.lazy.compactMap({ e -> Draft18.RequestOK? in if case .requestOK(id, let ok) = e { return ok } else { return nil } }).first
        else { return XCTFail("no PUBLISH_OK") }
        XCTAssertNil(ok.parameters.forward)
        XCTAssertNil(ok.parameters.subscriberPriority)
        XCTAssertTrue(p.clientEvents.contains { if case .requestUpdated(id, let u) = $0 { return u.parameters.forward == false && u.parameters.subscriberPriority == 3 } else { return false } })
        XCTAssertFalse(p.client.isForwarding(id))
        XCTAssertThrowsError(try p.client.openSubgroup(id, groupID: 1)) { XCTAssertEqual($0 as? MoQTSessionError, .notForwarding(id)) }
        XCTAssertFalse(p.client.isClosed)
        XCTAssertFalse(p.server.isClosed)
    }

    func testGoAwayAndPublishStateNotifyBetweenDraft22Sessions() throws {
        let p = try pair(seed: 33)
        let id = try p.client.subscribe(track)
        p.run()
        _ = try p.server.acceptSubscribe(id)
        p.run()
        // The publisher turns forwarding off on its own: PUBLISH_STATE_NOTIFY on the request stream.
        var n = MessageParameters()
        n.forward = false
        let stream = try XCTUnwrap(p.server.requestStreams[id])
        p.server.send(.publishStateNotify(Draft22.PublishStateNotify(parameters: n)), on: stream)
        p.run()
        XCTAssertFalse(p.client.isClosed)
        XCTAssertFalse(p.client.isForwarding(id))
        try p.server.goAway(newSessionURI: "moqt://elsewhere:4443", now: 0)
        p.run()
        guard case .goAway(let g)? = p.clientEvents.last else { return XCTFail("no GOAWAY") }
        XCTAssertNil(g.requestID)
        XCTAssertEqual(g.newSessionURI, "moqt://elsewhere:4443")
    }

    func testPublishStateNotifyBeforeSubscribeOKClosesTheSession() throws {
        let p = try pair(seed: 37)
        let id = try p.client.subscribe(track)
        p.run()
        // Not yet answered: a PUBLISH_STATE_NOTIFY cannot come first.
        let stream = try XCTUnwrap(p.server.requestStreams[id])
        p.server.send(.publishStateNotify(Draft22.PublishStateNotify()), on: stream)
        p.run()
        XCTAssertTrue(p.client.isClosed)
        XCTAssertEqual(p.clientTransport.closed?.code, SessionErrorCode.protocolViolation.rawValue)
    }

    func testADraft18PeerCannotSendDraft22Messages() throws {
        // The same bytes, draft-18 sessions: PUBLISH_STATE_NOTIFY is an unknown message type.
        let p = SessionPair(seed: 38)
        try p.start()
        let id = try p.client.subscribe(track)
        p.run()
        _ = try p.server.acceptSubscribe(id)
        p.run()
        let stream = try XCTUnwrap(p.server.requestStreams[id])
        p.server.send(bytes: Draft18.ControlMessage.publishStateNotify(Draft22.PublishStateNotify()).encoded(draft: .draft22), on: stream)
        p.run()
        XCTAssertTrue(p.client.isClosed)
        XCTAssertEqual(p.clientTransport.closed?.code, SessionErrorCode.protocolViolation.rawValue)
    }

    func testFillParametersAndTheFillStream() throws {
        // The value of FILL_PARAMETERS: its own parameter list.
        let fill = Draft22.FillRequest(locationFilter: .relativeStart(groupsBack: 1))
        XCTAssertEqual(fill.encoded, [0x01, 0x21, 0x01, 0x01])
        XCTAssertEqual(try Draft22.FillRequest(fillParameters: fill.encoded), fill)
        XCTAssertThrowsError(try Draft22.FillRequest(fillParameters: [0x01, 0x21]))
        // Ranges, read like a FETCH's against the largest object.
        let largest = Location(group: 7, object: 4)
        XCTAssertEqual(fill.range(largest: largest)?.start, Location(group: 7, object: 0))
        XCTAssertEqual(fill.range(largest: largest)?.end, largest)
        XCTAssertNil(fill.range(largest: nil))
        XCTAssertNil(Draft22.FillRequest(locationFilter: .nextObject).range(largest: largest))
        XCTAssertEqual(Draft22.FillRequest(locationFilter: .absoluteGroupEnd(start: Location(group: 2, object: 1), endGroup: 3))
                        .range(largest: largest)?.end, Location(group: 3, object: .max))
        XCTAssertNil(Draft22.FillRequest(locationFilter: .absoluteStart(Location(group: 9, object: 0))).range(largest: largest))

        let p = try pair(seed: 35)
        var params = MessageParameters()
        params.fillParameters = fill.encoded
        let id = try p.client.subscribe(track, filter: .largestObject, parameters: params)
        p.run()
        XCTAssertEqual(p.server.fillRequest(ofRequest: id), fill)
        _ = try p.server.acceptSubscribe(id, largest: largest)
        p.run()
        let fs = try p.server.openFillStream(id)
        for o in 0..<5 {
            try p.server.writeFetchItem(streamID: fs, .object(Draft18.FetchObject(location: Location(group: 7, object: UInt64(o)),
                                                                                   forwarding: .subgroup(0), publisherPriority: 1, payload: [UInt8(o)])))
        }
        try p.server.endFetch(streamID: fs)
        p.run()
        let filled = p.clientEvents.compactMap { e -> UInt64? in if case .fetchObject(id, let o) = e { return o.location.object } else { return nil } }
        XCTAssertEqual(filled, [0, 1, 2, 3, 4])
        XCTAssertTrue(p.clientEvents.contains { if case .fetchEnded(id) = $0 { return true } else { return false } })
        // The subscription goes on after its fill stream ended.
        let st = try p.server.openSubgroup(id, groupID: 7, subgroupID: .zero, publisherPriority: 1)
        try p.server.writeObject(streamID: st, objectID: 5, payload: [5])
        try p.server.endSubgroup(streamID: st)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .object(let o) = $0 { return o.requestID == id && o.objectID == 5 } else { return false } })
        XCTAssertFalse(p.client.isClosed || p.server.isClosed)
        // No fill streams at draft-18.
        let q = SessionPair(seed: 36)
        try q.start()
        let id18 = try q.client.subscribe(track)
        q.run()
        _ = try q.server.acceptSubscribe(id18)
        XCTAssertThrowsError(try q.server.openFillStream(id18)) { XCTAssertEqual($0 as? MoQTSessionError, .notInDraft("fill stream")) }
    }

    func testFetchStreamTimedOutRangeOnlyAtDraft22() throws {
        var w = ByteWriter()
        Draft18.FetchHeader(requestID: 4).encode(into: &w)
        w.writeVI64(Draft18.FetchObjectCoder.endOfTimedOutRange)
        w.writeVI64(3)
        w.writeVI64(8)
        func events(_ draft: MoQTDraft) throws -> [Draft18.DataStreamParser.Event] {
            var p = Draft18.DataStreamParser()
            p.draft = draft
            p.append(w.bytes)
            return try p.drain()
        }
        // Read as the end of a range whose objects are unknown (the model has no "timed out").
        XCTAssertEqual(try events(.draft22).last, .fetchItem(.endOfRange(Location(group: 3, object: 8), nonExistent: false)))
        assertViolation(try events(.draft18))
    }

    func testDraftIsFixedOnceStarted() throws {
        let p = try pair(seed: 34)
        XCTAssertEqual(p.client.draft, .draft22)
        XCTAssertEqual(p.server.decodeOptions.draft, .draft22)
    }
}

extension Draft18 {
    /// Type, 16-bit Length, payload.
    static func frameForTest(_ type: UInt64, _ payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        frame(type, payload: { $0.writeBytes(payload) }, into: &w)
        return w.bytes
    }
}
