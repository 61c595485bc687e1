import XCTest
import Wire
@testable import MoQT

/// Protocol violations close the session with the draft's error code, seen by both sides.
final class SessionViolationTests: XCTestCase {
    let track = FullTrackName(namespace: TrackNamespace(strings: ["v"]), name: "t")
    /// The client's control stream: its first unidirectional stream.
    let clientControl: UInt64 = 2
    /// The server's control stream.
    let serverControl: UInt64 = 3

    func ready(seed: UInt64 = 21) throws -> SessionPair {
        let p = SessionPair(seed: seed)
        try p.start()
        XCTAssertTrue(p.client.isReady && p.server.isReady)
        return p
    }

    /// Asserts that `closer` closed with `code` and its peer was told.
    func assertClosed(_ p: SessionPair, serverCloses: Bool, code: SessionErrorCode, file: StaticString = #filePath, line: UInt = #line) {
        let (closer, other) = serverCloses ? (p.server, p.client) : (p.client, p.server)
        let (closerTransport, closerEvents, otherEvents) = serverCloses
            ? (p.serverTransport, p.serverEvents, p.clientEvents) : (p.clientTransport, p.clientEvents, p.serverEvents)
        XCTAssertEqual(closer.state, .closed(code), file: file, line: line)
        XCTAssertEqual(closerTransport.closed?.code, code.rawValue, file: file, line: line)
        guard case .closed(code, _, false)? = closerEvents.last else { return XCTFail("closer event: \(String(describing: closerEvents.last))", file: file, line: line) }
        XCTAssertTrue(other.isClosed, file: file, line: line)
        guard case .closed(code, _, true)? = otherEvents.last else { return XCTFail("peer event: \(String(describing: otherEvents.last))", file: file, line: line) }
    }

    func encoded(_ m: Draft18.ControlMessage) -> [UInt8] { m.encoded() }

    func testSecondSetupIsAViolation() throws {
        let p = try ready()
        p.clientTransport.inject(encoded(.setup(Draft18.Setup())), on: clientControl)
        p.run()
        assertClosed(p, serverCloses: true, code: .protocolViolation)
    }

    func testRequestOnAUnidirectionalStream() throws {
        let p = try ready(seed: 22)
        let s = try p.clientTransport.openStream(bidirectional: false)
        p.clientTransport.inject(encoded(.subscribe(Draft18.Subscribe(requestID: 0, track: track))), on: s)
        p.run()
        assertClosed(p, serverCloses: true, code: .protocolViolation)
    }

    func testGarbageOnTheControlStream() throws {
        let p = try ready(seed: 23)
        var w = ByteWriter()
        w.writeVI64(0x3F) // not a message type
        w.writeUInt16(0)
        p.serverTransport.inject(w.bytes, on: serverControl)
        p.run()
        assertClosed(p, serverCloses: false, code: .protocolViolation)
    }

    func testRequestMessageOnTheControlStream() throws {
        let p = try ready(seed: 24)
        p.clientTransport.inject(encoded(.subscribe(Draft18.Subscribe(requestID: 0, track: track))), on: clientControl)
        p.run()
        assertClosed(p, serverCloses: true, code: .protocolViolation)
    }

    func testControlStreamClosed() throws {
        let p = try ready(seed: 25)
        p.clientTransport.streams[clientControl]?.fin = true
        p.run()
        assertClosed(p, serverCloses: true, code: .protocolViolation)
    }

    /// §11.4.2: a subgroup stream whose Track Alias nobody established may be abandoned; the
    /// session goes on (it used to close with PROTOCOL_VIOLATION).
    func testSubgroupOnUnknownAliasIsAbandonedAndTheSessionGoesOn() throws {
        let p = try ready(seed: 26)
        let s = try p.serverTransport.openStream(bidirectional: false)
        var w = ByteWriter()
        let h = Draft18.SubgroupHeader(trackAlias: 99, groupID: 0, subgroupID: .zero, publisherPriority: 1)
        h.encode(into: &w)
        var coder = Draft18.SubgroupObjectCoder(header: h)
        coder.encode(Draft18.SubgroupObject(objectID: 0, payload: [1]), into: &w)
        coder.encode(Draft18.SubgroupObject(objectID: 1, payload: [2, 3]), into: &w)
        p.serverTransport.inject(w.bytes, on: s, fin: false)
        p.run()
        XCTAssertTrue(p.client.isReady && p.server.isReady)
        XCTAssertNil(p.clientTransport.closed)
        XCTAssertTrue(p.client.discardedStreams.contains(s), "the stream is not abandoned with STOP_SENDING")
        XCTAssertFalse(p.clientEvents.contains { if case .object = $0 { return true } else { return false } })
        // Late bytes of the abandoned stream are dropped, and requests still work.
        p.serverTransport.inject([0x00, 0x01, 0x07], on: s, fin: true)
        let id = try p.client.subscribe(track)
        p.run()
        XCTAssertTrue(p.serverEvents.contains { if case .subscribeRequested(id, _) = $0 { return true } else { return false } })
        XCTAssertTrue(p.client.isReady)
    }

    /// A subgroup stream parked while a SUBSCRIBE waited, whose alias the SUBSCRIBE_OK did not
    /// name, is abandoned too once nothing waits any more.
    func testParkedSubgroupOfAnotherAliasIsAbandonedAfterSubscribeOK() throws {
        let p = try ready(seed: 29)
        let id = try p.client.subscribe(track)
        p.run()
        let s = try p.serverTransport.openStream(bidirectional: false)
        var w = ByteWriter()
        let h = Draft18.SubgroupHeader(trackAlias: 77, groupID: 0, subgroupID: .zero, publisherPriority: 1)
        h.encode(into: &w)
        var coder = Draft18.SubgroupObjectCoder(header: h)
        coder.encode(Draft18.SubgroupObject(objectID: 0, payload: [1]), into: &w)
        p.serverTransport.inject(w.bytes, on: s, fin: false)
        p.run()
        XCTAssertNotNil(p.client.incoming[s], "the stream is parked while the SUBSCRIBE waits")
        try p.server.acceptSubscribe(id, trackAlias: 5)
        p.run()
        XCTAssertTrue(p.client.isReady)
        XCTAssertTrue(p.client.discardedStreams.contains(s))
    }

    func testDatagramOnUnknownAlias() throws {
        let p = try ready(seed: 27)
        try p.serverTransport.sendDatagram(Draft18.ObjectDatagram(trackAlias: 5, groupID: 0, objectID: 0, publisherPriority: nil,
                                                                  content: .payload([1])).encoded())
        p.run()
        assertClosed(p, serverCloses: false, code: .protocolViolation)
    }

    func testWrongRequestIDParity() throws {
        let p = try ready(seed: 28)
        let s = try p.clientTransport.openStream(bidirectional: true)
        p.clientTransport.inject(encoded(.subscribe(Draft18.Subscribe(requestID: 1, track: track))), on: s)
        p.run()
        assertClosed(p, serverCloses: true, code: .invalidRequestID)
    }

    func testReusedRequestID() throws {
        let p = try ready(seed: 29)
        _ = try p.client.subscribe(track)
        p.run()
        let s = try p.clientTransport.openStream(bidirectional: true)
        p.clientTransport.inject(encoded(.subscribe(Draft18.Subscribe(requestID: 0, track: track))), on: s)
        p.run()
        assertClosed(p, serverCloses: true, code: .invalidRequestID)
    }

    func testResponseCannotOpenARequestStream() throws {
        let p = try ready(seed: 30)
        let s = try p.clientTransport.openStream(bidirectional: true)
        p.clientTransport.inject(encoded(.requestOK(Draft18.RequestOK())), on: s)
        p.run()
        assertClosed(p, serverCloses: true, code: .protocolViolation)
    }

    func testWrongAnswerToSubscribe() throws {
        let p = try ready(seed: 31)
        let id = try p.client.subscribe(track)
        p.run()
        guard let sid = p.clientTransport.order.first(where: { $0 & 0x2 == 0 }) else { return XCTFail() }
        _ = id
        p.serverTransport.inject(encoded(.fetchOK(Draft18.FetchOK(endOfTrack: false, endLocation: .zero))), on: sid)
        p.run()
        assertClosed(p, serverCloses: false, code: .protocolViolation)
    }

    func testDuplicateTrackAliasFromPeer() throws {
        let p = try ready(seed: 32)
        let a = try p.client.subscribe(track)
        let b = try p.client.subscribe(FullTrackName(namespace: track.namespace, name: "other"))
        p.run()
        try p.server.acceptSubscribe(a, trackAlias: 5)
        p.run()
        let streamB = p.clientTransport.order.filter { $0 & 0x2 == 0 }[1]
        _ = b
        p.serverTransport.inject(encoded(.subscribeOK(Draft18.SubscribeOK(trackAlias: 5))), on: streamB)
        p.run()
        assertClosed(p, serverCloses: false, code: .duplicateTrackAlias)
    }

    func testSecondGoAway() throws {
        let p = try ready(seed: 33)
        try p.server.goAway(now: 0)
        p.run()
        p.serverTransport.inject(encoded(.goAway(Draft18.GoAway())), on: serverControl)
        p.run()
        assertClosed(p, serverCloses: false, code: .protocolViolation)
    }

    func testDataBeforeSubscribeOKWaitsForIt() throws {
        let p = try ready(seed: 34)
        let id = try p.client.subscribe(track)
        p.run()
        guard let requestStream = p.clientTransport.order.first(where: { $0 & 0x2 == 0 }) else { return XCTFail() }
        p.holdServerStreams.insert(requestStream)
        let alias = try p.server.acceptSubscribe(id)
        let s = try p.server.openSubgroup(id, groupID: 0, publisherPriority: 0)
        try p.server.writeObject(streamID: s, objectID: 0, payload: [42])
        try p.server.endSubgroup(streamID: s)
        p.run()
        XCTAssertFalse(p.client.isClosed, "\(p.clientEvents) \(p.serverEvents)")
        XCTAssertFalse(p.clientEvents.contains { if case .object = $0 { return true } else { return false } })
        p.holdServerStreams = []
        p.run()
        let okIndex = p.clientEvents.firstIndex { if case .subscribeOK(id, alias, _) = $0 { return true } else { return false } }
        let objectIndex = p.clientEvents.firstIndex { if case .object(let o) = $0 { return o.payload == [42] } else { return false } }
        XCTAssertNotNil(okIndex)
        XCTAssertNotNil(objectIndex)
        if let a = okIndex, let b = objectIndex { XCTAssertLessThan(a, b) }
        XCTAssertTrue(p.clientEvents.contains { if case .subgroupEnded(id, s, 0, 0) = $0 { return true } else { return false } })
    }

    func testLateDataAfterUnsubscribeIsIgnored() throws {
        let p = try ready(seed: 35)
        let id = try p.client.subscribe(track)
        p.run()
        try p.server.acceptSubscribe(id)
        p.run()
        try p.client.unsubscribe(id)
        // The publisher has not heard of the unsubscribe yet and keeps sending.
        let s = try p.server.openSubgroup(id, groupID: 0, publisherPriority: 0)
        try p.server.writeObject(streamID: s, objectID: 0, payload: [1])
        try p.server.endSubgroup(streamID: s)
        p.run()
        XCTAssertFalse(p.client.isClosed, "\(p.clientEvents) \(p.serverEvents)")
        XCTAssertFalse(p.server.isClosed)
        XCTAssertFalse(p.clientEvents.contains { if case .object = $0 { return true } else { return false } })
    }

    func testLocalMisuseThrowsWithoutClosing() throws {
        let p = SessionPair(seed: 36)
        XCTAssertThrowsError(try p.client.subscribe(track)) { XCTAssertEqual($0 as? MoQTSessionError, .notStarted) }
        try p.start()
        XCTAssertThrowsError(try p.client.start())
        XCTAssertThrowsError(try p.client.acceptSubscribe(7)) { XCTAssertEqual($0 as? MoQTSessionError, .invalidRequest(7)) }
        XCTAssertThrowsError(try p.client.writeObject(streamID: 99, objectID: 0, payload: [1]))
        XCTAssertFalse(p.client.isClosed)
        p.client.close(code: .noError, reason: "done")
        p.run()
        XCTAssertThrowsError(try p.client.subscribe(track)) { XCTAssertEqual($0 as? MoQTSessionError, .closed) }
        assertClosed(p, serverCloses: false, code: .noError)
    }

    func testPeerSetupBeforeLocalStart() throws {
        let p = SessionPair(seed: 37)
        try p.client.start()
        p.run()
        XCTAssertEqual(p.server.state, .idle)
        XCTAssertNotNil(p.server.peerSetupOptions)
        try p.server.start()
        p.run()
        XCTAssertTrue(p.server.isReady)
        XCTAssertTrue(p.client.isReady)
        guard case .ready? = p.serverEvents.first else { return XCTFail("server ready event missing") }
    }

    func testStreamResetBeforeSubscribeOKStillCounts() throws {
        let p = try ready(seed: 38)
        let id = try p.client.subscribe(track)
        p.run()
        guard let requestStream = p.clientTransport.order.first(where: { $0 & 0x2 == 0 }) else { return XCTFail() }
        p.holdServerStreams.insert(requestStream)
        try p.server.acceptSubscribe(id)
        let s = try p.server.openSubgroup(id, groupID: 3, publisherPriority: 0)
        try p.server.writeObject(streamID: s, objectID: 0, payload: [1])
        try p.server.resetSubgroup(streamID: s, code: .deliveryTimeout)
        try p.server.publishDone(id)
        p.run()
        XCTAssertFalse(p.clientEvents.contains { if case .subgroupReset = $0 { return true } else { return false } })
        p.holdServerStreams = []
        p.run()
        XCTAssertTrue(p.clientEvents.contains {
            if case .subgroupReset(id, s, 3, 0, StreamResetCode.deliveryTimeout.rawValue) = $0 { return true } else { return false }
        })
        XCTAssertTrue(p.clientEvents.contains { if case .subscriptionFinished(id, 1) = $0 { return true } else { return false } })
        XCTAssertFalse(p.client.isClosed)
    }
}
