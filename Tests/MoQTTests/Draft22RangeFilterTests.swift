import XCTest
import Wire
@testable import MoQT
import TestSupport

/// draft-22 Range Filters (0x25-0x29), MAX_FILTER_RANGES / MAX_REQUEST_UPDATES and draft-22's own
/// parameter lists: bytes, decoding rules, and two sessions honouring them.
final class Draft22RangeFilterTests: XCTestCase {
    let track = FullTrackName(namespace: ["a"], name: "v")
    let d22 = Draft18.DecodeOptions.standard.with(draft: .draft22)

    private func decode(_ bytes: [UInt8], _ options: Draft18.DecodeOptions) throws -> Draft18.ControlMessage {
        try decodeWholeControlMessage(bytes, options)
    }

    private func code(_ body: @autoclosure () throws -> Any) -> SessionErrorCode? {
        do { _ = try body(); return nil } catch { return (error as? MoQTError)?.code }
    }

    /// SUBSCRIBE's bytes with `params` as its only parameters, and the offset where they start.
    private func subscribeBytes(parameterBytes: [UInt8], count: UInt64) -> [UInt8] {
        var body = ByteWriter()
        body.writeVI64(2)                       // Request ID
        var ns = ByteWriter()
        Draft18.writeNamespace(track.namespace, into: &ns)
        body.writeBytes(ns.bytes)
        body.writeVI64Prefixed(track.name)
        body.writeVI64(count)
        body.writeBytes(parameterBytes)
        var w = ByteWriter()
        w.writeVI64(Draft18.Subscribe.messageType)
        w.writeUInt16(UInt16(body.bytes.count))
        w.writeBytes(body.bytes)
        return w.bytes
    }

    // MARK: Bytes

    func testRangeFilterBytes() throws {
        // Ranges 3-5 and 10-15: Start 3, End +2, Start +5, End +5 (the draft's example).
        let subgroups = RangeFilter(kind: .subgroup, setID: 0, ranges: [.init(3, 5), .init(10, 15)])
        XCTAssertEqual(subgroups.encodedValue, [0x00, 0x03, 0x02, 0x05, 0x05])
        // Property type 4, values from 7 on (the last End omitted).
        let props = RangeFilter(kind: .objectProperty, setID: 1, propertyType: 4, ranges: [.init(7, nil)])
        XCTAssertEqual(props.encodedValue, [0x01, 0x04, 0x07])
        XCTAssertEqual(RangeFilter.removal(.priority).encodedValue, [])

        var p = MessageParameters()
        p.rangeFilters = [props, subgroups]
        let m = Draft18.ControlMessage.subscribe(Draft18.Subscribe(requestID: 2, track: track, parameters: p))
        // Ascending types: 0x25 (delta 0x25), then 0x28 (delta 3), each length-prefixed.
        let expected = subscribeBytes(parameterBytes: [0x25, 0x05, 0x00, 0x03, 0x02, 0x05, 0x05, 0x03, 0x03, 0x01, 0x04, 0x07], count: 2)
        XCTAssertEqual(m.encoded(draft: .draft22), expected)
        guard case .subscribe(let s) = try decode(expected, d22) else { return XCTFail() }
        XCTAssertEqual(s.parameters.rangeFilters, [subgroups, props])
        // draft-18 never writes them and does not know the types.
        XCTAssertTrue(m.encoded(draft: .draft18).count < expected.count)
        XCTAssertEqual(code(try decode(expected, .standard)), .protocolViolation)
    }

    func testRangeFilterDecodingRules() throws {
        // The same type twice is allowed (different SetIDs).
        let twice = subscribeBytes(parameterBytes: [0x26, 0x03, 0x00, 0x01, 0x00, 0x00, 0x03, 0x01, 0x05, 0x00], count: 2)
        guard case .subscribe(let s) = try decode(twice, d22) else { return XCTFail() }
        XCTAssertEqual(s.parameters.rangeFilters, [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(1, 1)]),
                                                   RangeFilter(kind: .objectID, setID: 1, ranges: [.init(5, 5)])])
        // TRACK_PROPERTY_FILTER is not a SUBSCRIBE parameter at draft-22.
        XCTAssertEqual(code(try decode(subscribeBytes(parameterBytes: [0x29, 0x03, 0x00, 0x02, 0x01], count: 1), d22)), .protocolViolation)
        // A value that ends inside a vi64 (0x80 announces two bytes).
        XCTAssertEqual(code(try decode(subscribeBytes(parameterBytes: [0x25, 0x02, 0x00, 0x80], count: 1), d22)), .keyValueFormattingError)
        // A delta past 2^64-1 parses (the request is refused with INVALID_FILTER, not the session).
        var w = ByteWriter()
        w.writeUInt8(0)
        w.writeVI64(UInt64.max)
        w.writeVI64(1)
        var params = ByteWriter()
        params.writeVI64(0x26)
        params.writeVI64Prefixed(w.bytes)
        guard case .subscribe(let o) = try decode(subscribeBytes(parameterBytes: params.bytes, count: 1), d22) else { return XCTFail() }
        XCTAssertTrue(o.parameters.rangeFilters[0].overflowed)
        XCTAssertNotNil(RangeFilterSet.refusal(o.parameters.rangeFilters, maxRanges: 16))
        // ... and re-encodes as it came (the fuzz harnesses round-trip it).
        XCTAssertEqual(Draft18.ControlMessage.subscribe(o).encoded(draft: .draft22), subscribeBytes(parameterBytes: params.bytes, count: 1))
    }

    func testRefusalRules() {
        let a = RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 1), .init(4, nil)])
        XCTAssertNil(RangeFilterSet.refusal([a], maxRanges: 2))
        XCTAssertNotNil(RangeFilterSet.refusal([a], maxRanges: 1), "more ranges than MAX_FILTER_RANGES")
        XCTAssertNotNil(RangeFilterSet.refusal([a], maxRanges: 0), "no MAX_FILTER_RANGES: no filter")
        XCTAssertNil(RangeFilterSet.refusal([], maxRanges: 0))
        XCTAssertNotNil(RangeFilterSet.refusal([a, a], maxRanges: 8), "type and SetID repeated")
        var b = a
        b.setID = 1
        XCTAssertNil(RangeFilterSet.refusal([a, b], maxRanges: 8))
        XCTAssertNotNil(RangeFilterSet.refusal([RangeFilter(kind: .priority, setID: 0, ranges: [.init(10, 256)])], maxRanges: 8))
        XCTAssertNotNil(RangeFilterSet.refusal([RangeFilter(kind: .objectProperty, setID: 0, propertyType: 3, ranges: [.init(1, 1)])], maxRanges: 8))
        XCTAssertNil(RangeFilterSet.refusal([RangeFilter(kind: .objectProperty, setID: 0, propertyType: 2, ranges: [.init(1, 1)])], maxRanges: 8))
    }

    func testSetsAreANDedThenORed() {
        // Set 0: subgroup 1 AND objects 0-9; set 1: priority 0-10.
        let f = RangeFilterSet([
            RangeFilter(kind: .subgroup, setID: 0, ranges: [.init(1, 1)]),
            RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 9)]),
            RangeFilter(kind: .priority, setID: 1, ranges: [.init(0, 10)]),
        ])
        XCTAssertTrue(f.admits(subgroupID: 1, objectID: 5, publisherPriority: 200, properties: []))
        XCTAssertFalse(f.admits(subgroupID: 1, objectID: 10, publisherPriority: 200, properties: []))
        XCTAssertFalse(f.admits(subgroupID: 0, objectID: 5, publisherPriority: 200, properties: []))
        XCTAssertTrue(f.admits(subgroupID: 0, objectID: 50, publisherPriority: 3, properties: []))
        XCTAssertTrue(RangeFilterSet().admits(subgroupID: 9, objectID: 9, publisherPriority: 9, properties: []))
        // A missing property fails; a present one in range passes.
        let p = RangeFilterSet([RangeFilter(kind: .objectProperty, setID: 0, propertyType: 6, ranges: [.init(2, 3)])])
        XCTAssertFalse(p.admits(subgroupID: 0, objectID: 0, publisherPriority: 0, properties: []))
        XCTAssertTrue(p.admits(subgroupID: 0, objectID: 0, publisherPriority: 0, properties: [KeyValuePair(type: 6, integer: 3)]))
        // REQUEST_UPDATE: a type present replaces, an empty one removes, an absent one stays.
        let u = f.updated(by: [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(20, nil)]), .removal(.priority)])
        XCTAssertEqual(u.filters.map(\.kind), [.subgroup, .objectID])
        XCTAssertTrue(u.admits(subgroupID: 1, objectID: 25, publisherPriority: 0, properties: []))
        XCTAssertFalse(u.admits(subgroupID: 1, objectID: 5, publisherPriority: 0, properties: []))
        // Track Property filters pick the track.
        let t = RangeFilterSet([RangeFilter(kind: .trackProperty, setID: 0, propertyType: 8, ranges: [.init(1, 1)]),
                                RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 0)])])
        XCTAssertNil(t.forTrack(properties: [KeyValuePair(type: 8, integer: 2)]))
        XCTAssertEqual(t.forTrack(properties: [KeyValuePair(type: 8, integer: 1)])?.filters.map(\.kind), [.objectID])
    }

    func testSetupOptionsBytes() throws {
        var o = SetupOptions()
        o.maxFilterRanges = 16
        o.maxRequestUpdates = 2
        let pairs = Draft18.setupPairs(o)
        XCTAssertEqual(pairs, [KeyValuePair(type: 0x06, integer: 16), KeyValuePair(type: 0x08, integer: 2)])
        XCTAssertEqual(try Draft18.setupOptions(from: pairs), o)
    }

    // MARK: Draft-22 parameter lists

    func testDraft22ParameterListsAreEnforcedOnReceipt() throws {
        // TRACK_STATUS at draft-22 takes AUTHORIZATION_TOKEN and INCLUDE_PROPERTIES only.
        var p = MessageParameters()
        p.subscriberPriority = 1
        let ts = Draft18.ControlMessage.trackStatus(Draft18.TrackStatus(requestID: 2, track: track, parameters: p))
        XCTAssertEqual(try decode(ts.encoded(draft: .draft18), .standard), ts)
        XCTAssertEqual(code(try decode(ts.encoded(draft: .draft22), d22)), .protocolViolation)
        // REQUEST_OK at draft-22: EXPIRES and LARGEST_OBJECT only.
        var q = MessageParameters()
        q.forward = true
        let ok = Draft18.ControlMessage.requestOK(Draft18.RequestOK(parameters: q))
        XCTAssertEqual(try decode(ok.encoded(draft: .draft18), .standard), ok)
        XCTAssertEqual(code(try decode(ok.encoded(draft: .draft22), d22)), .protocolViolation)
        q = MessageParameters()
        q.expires = 5
        XCTAssertNoThrow(try decode(Draft18.ControlMessage.requestOK(Draft18.RequestOK(parameters: q)).encoded(draft: .draft22), d22))
        // REQUEST_UPDATE may carry FILL_PARAMETERS and TRACK_PROPERTY_FILTER, not GROUP_ORDER.
        var u = MessageParameters()
        u.fillParameters = Draft22.FillRequest().encoded
        u.rangeFilters = [RangeFilter(kind: .trackProperty, setID: 0, propertyType: 2, ranges: [.init(1, 1)])]
        let upd = Draft18.ControlMessage.requestUpdate(Draft18.RequestUpdate(requestID: 4, parameters: u))
        XCTAssertEqual(try decode(upd.encoded(draft: .draft22), d22), upd)
        u.groupOrder = .descending
        XCTAssertEqual(code(try decode(Draft18.ControlMessage.requestUpdate(Draft18.RequestUpdate(requestID: 4, parameters: u)).encoded(draft: .draft22), d22)),
                       .protocolViolation)
        // FILL_PARAMETERS' own list: no FORWARD inside.
        var fw = ByteWriter()
        var inner = MessageParameters()
        inner.forward = true
        Draft18.writeParameters(inner, into: &fw, draft: .draft22)
        XCTAssertThrowsError(try Draft22.FillRequest(fillParameters: fw.bytes))
        let fill = Draft22.FillRequest(rangeFilters: [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 0)])])
        XCTAssertEqual(try Draft22.FillRequest(fillParameters: fill.encoded), fill)
    }

    // MARK: Sessions

    private func pair(seed: UInt64, serverOptions: (inout SetupOptions) -> Void = { _ in }, draft: MoQTDraft = .draft22,
                      maxFilterRanges: UInt64 = 16) throws -> SessionPair {
        var options = SetupOptions(implementation: "test-server")
        serverOptions(&options)
        var config = MoQTSessionConfiguration(setupOptions: options)
        config.maxFilterRanges = maxFilterRanges
        let p = SessionPair(seed: seed, serverConfig: config)
        p.client.draft = draft
        p.server.draft = draft
        try p.start()
        XCTAssertTrue(p.client.isReady && p.server.isReady)
        return p
    }

    private func received(_ p: SessionPair) -> [UInt64] {
        p.clientEvents.compactMap { e -> UInt64? in if case .object(let o) = e { return o.objectID } else { return nil } }
    }

    /// Publishes objects 0..<n of group 1 in one subgroup.
    private func publish(_ p: SessionPair, _ id: UInt64, objects: Range<UInt64>, subgroup: UInt64 = 0, priority: UInt8 = 5) throws {
        let st = try p.server.openSubgroup(id, groupID: 1, subgroupID: .explicit(subgroup), publisherPriority: priority)
        for o in objects { try p.server.writeObject(streamID: st, objectID: o, payload: [UInt8(o)]) }
        try p.server.endSubgroup(streamID: st)
        p.run()
    }

    func testPublisherSendsOnlyWhatTheFilterAdmits() throws {
        let p = try pair(seed: 41) { $0.maxFilterRanges = 4 }
        XCTAssertEqual(p.client.peerSetupOptions?.maxFilterRanges, 4)
        var params = MessageParameters()
        params.rangeFilters = [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 0), .init(2, 3), .init(6, nil)])]
        let id = try p.client.subscribe(track, parameters: params)
        p.run()
        guard case .subscribeRequested(id, let s)? = p.serverEvents.last else { return XCTFail("no SUBSCRIBE") }
        XCTAssertEqual(s.parameters.rangeFilters, params.rangeFilters)
        _ = try p.server.acceptSubscribe(id)
        p.run()
        try publish(p, id, objects: 0..<8)
        XCTAssertEqual(received(p), [0, 2, 3, 6, 7])

        // REQUEST_UPDATE removes the filter: everything again.
        var u = MessageParameters()
        u.rangeFilters = [.removal(.objectID)]
        let uid = try p.client.requestUpdate(id, parameters: u)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .requestOK(uid, _) = $0 { return true } else { return false } })
        p.clientEvents.removeAll()
        let st = try p.server.openSubgroup(id, groupID: 2, subgroupID: .zero, publisherPriority: 5)
        for o: UInt64 in 0..<3 { try p.server.writeObject(streamID: st, objectID: o, payload: [1]) }
        p.run()
        XCTAssertEqual(received(p), [0, 1, 2])

        // An update past MAX_FILTER_RANGES (4 here) is refused with INVALID_FILTER, and the
        // subscription ends with PUBLISH_DONE UPDATE_FAILED.
        u.rangeFilters = [RangeFilter(kind: .subgroup, setID: 0, ranges: (0..<5).map { .init($0 * 2, $0 * 2) })]
        let bad = try p.client.requestUpdate(id, parameters: u)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .requestError(bad, let e) = $0 { return e.code == .invalidFilter } else { return false } })
        XCTAssertTrue(p.clientEvents.contains { if case .publishDone(id, let d) = $0 { return d.statusCode == .updateFailed } else { return false } })
        XCTAssertTrue(p.serverEvents.contains { if case .requestError(id, let e) = $0 { return e.code == .invalidFilter } else { return false } })
        XCTAssertThrowsError(try p.server.openSubgroup(id, groupID: 3))
        XCTAssertFalse(p.client.isClosed || p.server.isClosed)
    }

    func testFillParametersInRequestUpdateOpenAFilteredFill() throws {
        let p = try pair(seed: 48)
        let id = try p.client.subscribe(track, filter: .largestObject)
        p.run()
        _ = try p.server.acceptSubscribe(id, largest: Location(group: 4, object: 3))
        p.run()
        XCTAssertNil(p.server.fillRequest(ofRequest: id))
        // Later the subscriber asks for group 4 so far, object IDs 1-2 only.
        var u = MessageParameters()
        u.fillParameters = Draft22.FillRequest(locationFilter: .absoluteStart(Location(group: 4, object: 0)),
                                               rangeFilters: [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(1, 2)])]).encoded
        let uid = try p.client.requestUpdate(id, parameters: u)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .requestOK(uid, _) = $0 { return true } else { return false } })
        guard case .requestUpdated(id, _)? = p.serverEvents.last else { return XCTFail("no requestUpdated") }
        let fill = try XCTUnwrap(p.server.fillRequest(ofRequest: id))
        XCTAssertEqual(fill.range(largest: Location(group: 4, object: 3))?.start, Location(group: 4, object: 0))
        let fs = try p.server.openFillStream(id)
        for o: UInt64 in 0...3 {
            try p.server.writeFetchItem(streamID: fs, .object(Draft18.FetchObject(location: Location(group: 4, object: o), forwarding: .subgroup(0),
                                                                                  publisherPriority: 1, payload: [UInt8(o)])))
        }
        try p.server.endFetch(streamID: fs)
        p.run()
        let filled = p.clientEvents.compactMap { e -> UInt64? in if case .fetchObject(id, let o) = e { return o.location.object } else { return nil } }
        XCTAssertEqual(filled, [1, 2])
        // FILL_PARAMETERS on an update of something else than a SUBSCRIBE is PROTOCOL_VIOLATION.
        let q = try pair(seed: 49)
        let f = try q.client.fetch(track, start: .zero, end: Location(group: 1, object: 0))
        q.run()
        _ = try q.client.requestUpdate(f, parameters: u)
        q.run()
        XCTAssertEqual(q.serverTransport.closed?.code, SessionErrorCode.protocolViolation.rawValue)
    }

    func testSubgroupPriorityAndPropertyFiltersThroughSessions() throws {
        let p = try pair(seed: 42) { $0.maxFilterRanges = 8 }
        var params = MessageParameters()
        // Set 0: subgroup 1 only; set 1: publisher priority 0-2.
        params.rangeFilters = [RangeFilter(kind: .subgroup, setID: 0, ranges: [.init(1, 1)]),
                               RangeFilter(kind: .priority, setID: 1, ranges: [.init(0, 2)])]
        let id = try p.client.subscribe(track, parameters: params)
        p.run()
        _ = try p.server.acceptSubscribe(id)
        p.run()
        try publish(p, id, objects: 0..<2, subgroup: 0, priority: 9)    // neither set
        try publish(p, id, objects: 2..<4, subgroup: 1, priority: 9)    // set 0
        try publish(p, id, objects: 4..<6, subgroup: 2, priority: 1)    // set 1
        XCTAssertEqual(received(p), [2, 3, 4, 5])
    }

    func testFiltersWithoutMaxFilterRangesAreInvalidFilter() throws {
        let p = try pair(seed: 43, maxFilterRanges: 0)
        XCTAssertNil(p.client.peerSetupOptions?.maxFilterRanges)
        var params = MessageParameters()
        params.rangeFilters = [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 0)])]
        let id = try p.client.subscribe(track, parameters: params)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .requestError(id, let e) = $0 { return e.code == .invalidFilter } else { return false } })
        XCTAssertFalse(p.serverEvents.contains { if case .subscribeRequested = $0 { return true } else { return false } })
        XCTAssertEqual(RequestErrorCode.invalidFilter.rawValue, 0x36)
        // A FETCH with a repeated (type, SetID) too, even with room for the ranges.
        let q = try pair(seed: 44) { $0.maxFilterRanges = 8 }
        let f = RangeFilter(kind: .objectID, setID: 3, ranges: [.init(0, 0)])
        params.rangeFilters = [f, f]
        let fid = try q.client.fetch(track, start: .zero, end: Location(group: 2, object: 0), parameters: params)
        q.run()
        XCTAssertTrue(q.clientEvents.contains { if case .requestError(fid, let e) = $0 { return e.code == .invalidFilter } else { return false } })
    }

    func testMaxRequestUpdatesLimitsWhatThisSideSends() throws {
        let p = try pair(seed: 45) { $0.maxRequestUpdates = 1 }
        XCTAssertEqual(p.client.peerSetupOptions?.maxRequestUpdates, 1)
        let id = try p.client.subscribe(track)
        p.run()
        _ = try p.server.acceptSubscribe(id)
        p.run()
        var u = MessageParameters()
        u.subscriberPriority = 1
        _ = try p.client.requestUpdate(id, parameters: u)
        XCTAssertThrowsError(try p.client.requestUpdate(id, parameters: u)) { XCTAssertEqual($0 as? MoQTSessionError, .tooManyUpdates(id)) }
        p.run()   // REQUEST_OK restores the credit
        XCTAssertNoThrow(try p.client.requestUpdate(id, parameters: u))
    }

    func testDraft18SetupNeverCarriesTheDraft22Options() throws {
        let p = try pair(seed: 46, serverOptions: { $0.maxFilterRanges = 4; $0.maxRequestUpdates = 2 }, draft: .draft18)
        XCTAssertNil(p.client.peerSetupOptions?.maxFilterRanges)
        XCTAssertNil(p.client.peerSetupOptions?.maxRequestUpdates)
        // At draft-22 the default configuration sends MAX_FILTER_RANGES 16.
        let q = try pair(seed: 47)
        XCTAssertEqual(q.client.peerSetupOptions?.maxFilterRanges, 16)
        XCTAssertEqual(p.client.peerSetupOptions?.implementation, "test-server")
    }
}

/// draft-22's request-stream FIN rules (changed in draft-20): a FIN only ends a direction; one
/// before the messages a request needs fails that request, not the session.
final class Draft22RequestFINTests: XCTestCase {
    let track = FullTrackName(namespace: ["a"], name: "v")

    private func pair(seed: UInt64, draft: MoQTDraft = .draft22) throws -> SessionPair {
        let p = SessionPair(seed: seed)
        p.client.draft = draft
        p.server.draft = draft
        try p.start()
        return p
    }

    func testResponderFINBeforeTheResponseFailsTheRequest() throws {
        let p = try pair(seed: 51)
        let id = try p.client.subscribe(track)
        p.run()
        let stream = try XCTUnwrap(p.server.requestStreams[id])
        p.server.finishStream(stream)   // no SUBSCRIBE_OK
        p.run()
        XCTAssertFalse(p.client.isClosed)
        XCTAssertTrue(p.clientEvents.contains { if case .requestCancelled(id, _) = $0 { return true } else { return false } })
        // The session goes on.
        let id2 = try p.client.subscribe(FullTrackName(namespace: ["a"], name: "w"))
        p.run()
        XCTAssertTrue(p.serverEvents.contains { if case .subscribeRequested(id2, _) = $0 { return true } else { return false } })
        // draft-18 kept: the same FIN is PROTOCOL_VIOLATION.
        let q = try pair(seed: 52, draft: .draft18)
        let qid = try q.client.subscribe(track)
        q.run()
        q.server.finishStream(try XCTUnwrap(q.server.requestStreams[qid]))
        q.run()
        XCTAssertEqual(q.clientTransport.closed?.code, SessionErrorCode.protocolViolation.rawValue)
    }

    func testPublisherFINWithoutPublishDoneEndsTheSubscription() throws {
        let p = try pair(seed: 53)
        let id = try p.client.subscribe(track)
        p.run()
        _ = try p.server.acceptSubscribe(id)
        p.run()
        p.server.finishStream(try XCTUnwrap(p.server.requestStreams[id]))
        p.run()
        XCTAssertFalse(p.client.isClosed)
        XCTAssertTrue(p.clientEvents.contains { if case .requestCancelled(id, _) = $0 { return true } else { return false } })
        XCTAssertFalse(p.clientEvents.contains { if case .subscriptionFinished = $0 { return true } else { return false } })
    }

    func testRequesterFINIsNoCancellation() throws {
        let p = try pair(seed: 54)
        // SUBSCRIBE, then the subscriber FINs its direction at once (it will send no REQUEST_UPDATE).
        let id = try p.client.subscribe(track)
        p.client.finishStream(try XCTUnwrap(p.client.requestStreams[id]))
        p.run()
        _ = try p.server.acceptSubscribe(id)
        let st = try p.server.openSubgroup(id, groupID: 0, subgroupID: .zero, publisherPriority: 1)
        try p.server.writeObject(streamID: st, objectID: 0, payload: [1])
        try p.server.endSubgroup(streamID: st)
        try p.server.publishDone(id)
        p.run()
        XCTAssertFalse(p.serverEvents.contains { if case .requestCancelled = $0 { return true } else { return false } })
        XCTAssertTrue(p.clientEvents.contains { if case .object(let o) = $0 { return o.payload == [1] } else { return false } })
        XCTAssertTrue(p.clientEvents.contains { if case .subscriptionFinished(id, _) = $0 { return true } else { return false } })
        // SUBSCRIBE_NAMESPACE and FIN: NAMESPACE still arrives.
        let ns = try p.client.subscribeNamespace(["a"])
        p.client.finishStream(try XCTUnwrap(p.client.requestStreams[ns]))
        p.run()
        try p.server.accept(ns)
        try p.server.sendNamespace(ns, suffix: ["b"])
        p.run()
        XCTAssertFalse(p.serverEvents.contains { if case .requestCancelled = $0 { return true } else { return false } })
        XCTAssertTrue(p.clientEvents.contains { if case .namespace(ns, let s) = $0 { return s == ["b"] } else { return false } })
        XCTAssertFalse(p.client.isClosed || p.server.isClosed)
    }
}

/// draft-22 Location Filters the draft-18 model could not express, honoured exactly by a session.
final class Draft22ExactFilterTests: XCTestCase {
    let track = FullTrackName(namespace: ["a"], name: "v")

    private func pair(seed: UInt64) throws -> SessionPair {
        let p = SessionPair(seed: seed)
        p.client.draft = .draft22
        p.server.draft = .draft22
        try p.start()
        return p
    }

    func testRelativeStartFurtherBack() throws {
        let p = try pair(seed: 61)
        // On the wire: LOCATION_FILTER 0x21, type 1, n = 2.
        let id = try p.client.subscribe(track, filter: .relativeStart(groupsBack: 2))
        p.run()
        guard case .subscribeRequested(id, let s)? = p.serverEvents.last else { return XCTFail("no SUBSCRIBE") }
        XCTAssertEqual(s.parameters.subscriptionFilter, .relativeStart(groupsBack: 2))
        let bytes = Draft18.ControlMessage.subscribe(s).encoded(draft: .draft22)
        XCTAssertEqual(Array(bytes.suffix(4)), [0x01, 0x21, 0x01, 0x02])
        // Largest object {9, 4}: the window starts at group 10 - 2 = 8.
        _ = try p.server.acceptSubscribe(id, largest: Location(group: 9, object: 4))
        p.run()
        XCTAssertEqual(p.server.subscriptionWindow(ofRequest: id)?.start, Location(group: 8, object: 0))
        XCTAssertThrowsError(try p.server.openSubgroup(id, groupID: 7))
        XCTAssertNoThrow(try p.server.openSubgroup(id, groupID: 8))
    }

    func testAbsoluteRangeEndsAtItsObject() throws {
        let p = try pair(seed: 62)
        let end = Location(group: 3, object: 2)
        let id = try p.client.subscribe(track, filter: .absoluteRangeToObject(start: Location(group: 2, object: 0), end: end))
        p.run()
        guard case .subscribeRequested(id, let s)? = p.serverEvents.last else { return XCTFail("no SUBSCRIBE") }
        XCTAssertEqual(s.parameters.subscriptionFilter, .absoluteRangeToObject(start: Location(group: 2, object: 0), end: end))
        // LOCATION_FILTER type 4: start {2, 0}, end group delta 1, end object 2.
        XCTAssertEqual(Array(Draft18.ControlMessage.subscribe(s).encoded(draft: .draft22).suffix(7)), [0x01, 0x21, 0x04, 0x02, 0x00, 0x01, 0x02])
        _ = try p.server.acceptSubscribe(id)
        p.run()
        let st = try p.server.openSubgroup(id, groupID: 3, subgroupID: .zero, publisherPriority: 1)
        for o: UInt64 in 0...2 { try p.server.writeObject(streamID: st, objectID: o, payload: [1]) }
        XCTAssertThrowsError(try p.server.writeObject(streamID: st, objectID: 3, payload: [1])) {
            XCTAssertEqual($0 as? MoQTSessionError, .outsideSubscription(Location(group: 3, object: 3)))
        }
        XCTAssertThrowsError(try p.server.sendObjectDatagram(id, groupID: 3, objectID: 5, content: .payload([1])))
        XCTAssertThrowsError(try p.server.openSubgroup(id, groupID: 4))
    }
}
