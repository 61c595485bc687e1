import XCTest
import Wire
@testable import MoQT
import TestSupport

/// Two sessions over an in-memory transport: setup, namespaces, subscriptions, objects.
final class SessionTests: XCTestCase {
    /// LOC TIMESTAMP (microseconds since the epoch).
    let timestampProperty: UInt64 = 0x10
    let ns = TrackNamespace(strings: ["live", "demo"])
    var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }

    func ready(seed: UInt64 = 1, maxChunk: Int = 7, writeLimit: Int? = nil) throws -> SessionPair {
        let p = SessionPair(seed: seed, maxChunk: maxChunk, writeLimit: writeLimit)
        try p.start()
        XCTAssertTrue(p.client.isReady)
        XCTAssertTrue(p.server.isReady)
        return p
    }

    /// Subscribes from the client and accepts on the server; returns (request ID, alias).
    func subscribeAccepted(_ p: SessionPair, filter: SubscriptionFilter? = nil, alias: UInt64? = nil,
                           largest: Location? = nil) throws -> (UInt64, UInt64) {
        let id = try p.client.subscribe(track, filter: filter, subscriberPriority: 10, groupOrder: .ascending)
        p.run()
        guard case .subscribeRequested(let rid, let s)? = p.serverEvents.last else { XCTFail("no SUBSCRIBE at server"); return (0, 0) }
        XCTAssertEqual(rid, id)
        XCTAssertEqual(s.track, track)
        XCTAssertEqual(s.parameters.subscriberPriority, 10)
        let a = try p.server.acceptSubscribe(rid, trackAlias: alias, largest: largest)
        p.run()
        guard case .subscribeOK(let cid, let calias, _)? = p.clientEvents.last else { XCTFail("no SUBSCRIBE_OK"); return (0, 0) }
        XCTAssertEqual(cid, id)
        XCTAssertEqual(calias, a)
        return (id, a)
    }

    func objects(_ events: [MoQTSessionEvent]) -> [MoQTReceivedObject] {
        events.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
    }

    func testSetupExchangesOptions() throws {
        let p = try ready()
        guard case .ready(let serverSaw)? = p.serverEvents.first else { return XCTFail("server not ready") }
        XCTAssertEqual(serverSaw.path, "/live")
        XCTAssertEqual(serverSaw.authority, "relay.test")
        XCTAssertEqual(serverSaw.implementation, "test-client")
        guard case .ready(let clientSaw)? = p.clientEvents.first else { return XCTFail("client not ready") }
        XCTAssertEqual(clientSaw.implementation, "test-server")
        XCTAssertNil(clientSaw.path)
        // Request IDs: client even, server odd.
        XCTAssertEqual(p.client.nextRequestID, 0)
        XCTAssertEqual(p.server.nextRequestID, 1)
    }

    func testPublishNamespaceAcceptedAndRejected() throws {
        let p = try ready(seed: 2)
        let ok = try p.client.publishNamespace(ns)
        let bad = try p.client.publishNamespace(TrackNamespace(strings: ["forbidden"]))
        XCTAssertEqual([ok, bad], [0, 2])
        p.run()
        let requested = p.serverEvents.compactMap { e -> (UInt64, TrackNamespace)? in
            if case .publishNamespaceRequested(let id, let m) = e { return (id, m.namespace) } else { return nil }
        }
        // Requests travel on separate streams: either may arrive first.
        XCTAssertEqual(Set(requested.map(\.0)), [0, 2])
        XCTAssertEqual(requested.first { $0.0 == 0 }?.1, ns)
        XCTAssertEqual(requested.first { $0.0 == 2 }?.1, TrackNamespace(strings: ["forbidden"]))
        try p.server.accept(ok)
        try p.server.reject(bad, code: .unauthorized, reason: "no")
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .requestOK(ok, _) = $0 { return true } else { return false } })
        XCTAssertTrue(p.clientEvents.contains {
            if case .requestError(bad, let e) = $0 { return e.code == .unauthorized && e.reason == "no" } else { return false }
        })
        // Withdrawing the namespace reaches the server as a cancellation.
        try p.client.cancel(ok)
        p.run()
        XCTAssertTrue(p.serverEvents.contains { if case .requestCancelled(ok, _) = $0 { return true } else { return false } })
        XCTAssertFalse(p.client.isClosed)
        XCTAssertFalse(p.server.isClosed)
    }

    func testSubscribeAcceptedAndRejected() throws {
        let p = try ready(seed: 3)
        let (id, alias) = try subscribeAccepted(p, alias: 42, largest: Location(group: 5, object: 3))
        XCTAssertEqual(alias, 42)
        XCTAssertEqual(p.client.trackAlias(ofRequest: id), 42)
        guard case .subscribeOK(_, _, let ok)? = p.clientEvents.last else { return XCTFail() }
        XCTAssertEqual(ok.parameters.largestObject, Location(group: 5, object: 3))

        let other = try p.client.subscribe(FullTrackName(namespace: ns, name: "missing"))
        p.run()
        try p.server.reject(other, code: .doesNotExist, reason: "no such track")
        p.run()
        guard case .requestError(other, let e)? = p.clientEvents.last else { return XCTFail("no REQUEST_ERROR") }
        XCTAssertEqual(e.code, .doesNotExist)
        // A chosen alias cannot be reused while in use.
        let third = try p.client.subscribe(FullTrackName(namespace: ns, name: "audio"))
        p.run()
        XCTAssertThrowsError(try p.server.acceptSubscribe(third, trackAlias: 42)) {
            XCTAssertEqual($0 as? MoQTSessionError, .trackAliasInUse(42))
        }
        XCTAssertNotEqual(try p.server.acceptSubscribe(third), 42)
    }

    func testObjectsOnSubgroupStreamsArriveInOrderAndComplete() throws {
        for seed in UInt64(10)..<UInt64(16) {
            let p = try ready(seed: seed, maxChunk: Int(seed % 5) + 2)
            let (id, alias) = try subscribeAccepted(p)
            var rng = SeededGenerator(seed: seed)
            var sent: [[UInt64]: [(UInt64, [UInt8], UInt64)]] = [:]
            var streams: [UInt64] = []
            // Three groups, two subgroups each; open them all, interleave writes.
            var writers: [(stream: UInt64, group: UInt64, sub: UInt64)] = []
            for g in UInt64(0)..<3 {
                for sg in UInt64(0)..<2 {
                    let s = try p.server.openSubgroup(id, groupID: g, subgroupID: sg == 0 ? .zero : .explicit(sg),
                                                      publisherPriority: UInt8(sg * 10), hasProperties: true,
                                                      endOfGroup: sg == 1, firstObject: true)
                    writers.append((s, g, sg))
                    streams.append(s)
                }
            }
            for round in UInt64(0)..<4 {
                for w in writers {
                    let objectID = round * 2 + w.sub
                    let ts = 1_700_000_000_000_000 + w.group * 1000 + objectID
                    let payload = rng.bytes(Int.random(in: 1...40, using: &rng))
                    try p.server.writeObject(streamID: w.stream, objectID: objectID,
                                             properties: ObjectProperties([KeyValuePair(type: timestampProperty, integer: ts)]),
                                             payload: payload)
                    sent[[w.group, w.sub], default: []].append((objectID, payload, ts))
                }
                if round == 1 { p.run(maxSteps: 50) }
            }
            for w in writers { try p.server.endSubgroup(streamID: w.stream) }
            p.run()
            XCTAssertEqual(p.server.transport === p.serverTransport, true)
            let got = objects(p.clientEvents)
            XCTAssertEqual(got.count, 24, "seed \(seed)")
            for o in got {
                XCTAssertEqual(o.requestID, id)
                XCTAssertEqual(o.trackAlias, alias)
                XCTAssertEqual(o.status, .normal)
                XCTAssertEqual(o.publisherPriority, UInt8((o.subgroupID ?? 99) * 10))
                XCTAssertEqual(o.endOfGroup, o.subgroupID == 1)
            }
            for (key, list) in sent {
                let received = got.filter { $0.groupID == key[0] && $0.subgroupID == key[1] }
                XCTAssertEqual(received.map(\.objectID), list.map(\.0), "order in \(key), seed \(seed)")
                XCTAssertEqual(received.map(\.payload), list.map(\.1))
                XCTAssertEqual(received.map { $0.properties.integer(timestampProperty) }, list.map { Optional($0.2) })
                // Objects of one stream share its stream ID.
                XCTAssertEqual(Set(received.compactMap(\.streamID)).count, 1)
            }
            let ended = p.clientEvents.filter { if case .subgroupEnded(id, _, _, _) = $0 { return true } else { return false } }
            XCTAssertEqual(ended.count, 6)
            // Every object of a stream precedes that stream's end.
            for case .subgroupEnded(_, let sid, _, _) in p.clientEvents {
                let endIndex = p.clientEvents.firstIndex { if case .subgroupEnded(_, sid, _, _) = $0 { return true } else { return false } }!
                let lastObject = p.clientEvents.lastIndex { if case .object(let o) = $0 { return o.streamID == sid } else { return false } }!
                XCTAssertLessThan(lastObject, endIndex)
            }
            // Priorities reached the transport for scheduling.
            XCTAssertEqual(p.serverTransport.priorities[streams[1]]?.publisherPriority, 10)
            XCTAssertEqual(p.serverTransport.priorities[streams[1]]?.subscriberPriority, 10)
            XCTAssertFalse(p.client.isClosed)
        }
    }

    func testObjectStatusAndFirstObjectIDMode() throws {
        let p = try ready(seed: 4)
        let (id, _) = try subscribeAccepted(p)
        let s = try p.server.openSubgroup(id, groupID: 7, subgroupID: .firstObjectID, publisherPriority: nil)
        try p.server.writeObject(streamID: s, objectID: 3, payload: [1, 2, 3])
        try p.server.writeObject(streamID: s, objectID: 4, payload: [4])
        try p.server.writeObjectStatus(streamID: s, objectID: 5, status: .endOfGroup)
        XCTAssertThrowsError(try p.server.writeObject(streamID: s, objectID: 5, payload: [9]))
        XCTAssertThrowsError(try p.server.writeObject(streamID: s, objectID: 9, properties: [KeyValuePair(type: 0x10, integer: 1)], payload: [9]))
        try p.server.endSubgroup(streamID: s)
        let t = try p.server.openSubgroup(id, groupID: 8, publisherPriority: 3)
        try p.server.writeObjectStatus(streamID: t, objectID: 0, status: .endOfTrack)
        try p.server.endSubgroup(streamID: t)
        p.run()
        let got = objects(p.clientEvents)
        XCTAssertEqual(got.map(\.location), [Location(group: 7, object: 3), Location(group: 7, object: 4), Location(group: 7, object: 5), Location(group: 8, object: 0)].filter { l in got.contains { $0.location == l } })
        XCTAssertEqual(got.count, 4)
        let g7 = got.filter { $0.groupID == 7 }
        XCTAssertEqual(g7.map(\.subgroupID), [3, 3, 3])
        XCTAssertEqual(g7.map(\.status), [.normal, .normal, .endOfGroup])
        XCTAssertEqual(g7.first?.publisherPriority, 128)
        XCTAssertEqual(got.first { $0.groupID == 8 }?.status, .endOfTrack)
    }

    func testPublisherResetIsReported() throws {
        let p = try ready(seed: 5)
        let (id, _) = try subscribeAccepted(p)
        let s = try p.server.openSubgroup(id, groupID: 1, publisherPriority: 1)
        try p.server.writeObject(streamID: s, objectID: 0, payload: [1])
        p.run()
        try p.server.resetSubgroup(streamID: s, code: .deliveryTimeout)
        XCTAssertThrowsError(try p.server.writeObject(streamID: s, objectID: 1, payload: [2]))
        p.run()
        XCTAssertTrue(p.clientEvents.contains {
            if case .subgroupReset(id, s, 1, 0, StreamResetCode.deliveryTimeout.rawValue) = $0 { return true } else { return false }
        })
        XCTAssertFalse(p.clientEvents.contains { if case .subgroupEnded = $0 { return true } else { return false } })
    }

    func testUnsubscribeReachesPublisher() throws {
        let p = try ready(seed: 6)
        let (id, alias) = try subscribeAccepted(p)
        let s = try p.server.openSubgroup(id, groupID: 1, publisherPriority: 1)
        try p.server.writeObject(streamID: s, objectID: 0, payload: [1])
        p.run()
        try p.client.unsubscribe(id)
        p.run()
        XCTAssertTrue(p.serverEvents.contains { if case .requestCancelled(id, _) = $0 { return true } else { return false } })
        XCTAssertThrowsError(try p.server.openSubgroup(id, groupID: 2)) { XCTAssertEqual($0 as? MoQTSessionError, .invalidRequest(id)) }
        XCTAssertThrowsError(try p.server.writeObject(streamID: s, objectID: 1, payload: [2]))
        // The open subgroup stream was reset by the publisher's session.
        XCTAssertNotNil(p.serverTransport.streams[s]?.reset)
        // The alias is free again on the publisher side.
        let again = try p.client.subscribe(track)
        p.run()
        XCTAssertEqual(try p.server.acceptSubscribe(again, trackAlias: alias), alias)
        p.run()
        XCTAssertFalse(p.client.isClosed)
        XCTAssertFalse(p.server.isClosed)
    }

    func testPublishDoneCarriesStreamCount() throws {
        let p = try ready(seed: 7)
        let (id, _) = try subscribeAccepted(p)
        for g in UInt64(0)..<5 {
            let s = try p.server.openSubgroup(id, groupID: g, publisherPriority: 1)
            try p.server.writeObject(streamID: s, objectID: 0, payload: [UInt8(g)])
            if g == 3 { try p.server.resetSubgroup(streamID: s, code: .tooFarBehind) } else { try p.server.endSubgroup(streamID: s) }
        }
        XCTAssertEqual(p.server.streamsOpened(forRequest: id), 5)
        try p.server.publishDone(id, code: .trackEnded, reason: "bye")
        p.run()
        guard let done = p.clientEvents.compactMap({ e -> Draft18.PublishDone? in
            if case .publishDone(id, let d) = e { return d } else { return nil }
        }).first else { return XCTFail("no PUBLISH_DONE") }
        XCTAssertEqual(done.streamCount, 5)
        XCTAssertEqual(done.statusCode, .trackEnded)
        XCTAssertEqual(done.reason, "bye")
        guard case .subscriptionFinished(id, let n)? = p.clientEvents.last else { return XCTFail("no subscriptionFinished") }
        XCTAssertEqual(n, 5)
        XCTAssertEqual(objects(p.clientEvents).count, 4 + (objects(p.clientEvents).contains { $0.groupID == 3 } ? 1 : 0))
    }

    func testPublishWithForwardState() throws {
        let p = try ready(seed: 8)
        // The client publishes (as moq-pub does towards a relay), choosing alias 7.
        let id = try p.client.publish(track, trackAlias: 7, largest: Location(group: 0, object: 0), forward: true)
        XCTAssertEqual(p.client.trackAlias(ofRequest: id), 7)
        p.run()
        guard case .publishRequested(id, let m)? = p.serverEvents.last else { return XCTFail("no PUBLISH") }
        XCTAssertEqual(m.track, track)
        XCTAssertEqual(m.trackAlias, 7)
        try p.server.acceptPublish(id, forward: false)
        p.run()
        guard case .requestOK(id, let ok)? = p.clientEvents.last else { return XCTFail("no PUBLISH_OK") }
        XCTAssertEqual(ok.parameters.forward, false)
        XCTAssertFalse(p.client.isForwarding(id))
        XCTAssertThrowsError(try p.client.openSubgroup(id, groupID: 1)) { XCTAssertEqual($0 as? MoQTSessionError, .notForwarding(id)) }
        // The subscriber turns forwarding on with REQUEST_UPDATE.
        var params = MessageParameters()
        params.forward = true
        let update = try p.server.requestUpdate(id, parameters: params)
        XCTAssertEqual(update % 2, 1)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .requestUpdated(id, let u) = $0 { return u.requestID == update } else { return false } })
        XCTAssertTrue(p.serverEvents.contains { if case .requestOK(update, _) = $0 { return true } else { return false } })
        XCTAssertTrue(p.client.isForwarding(id))
        let s = try p.client.openSubgroup(id, groupID: 1, publisherPriority: 2)
        try p.client.writeObject(streamID: s, objectID: 0, payload: Array("frame".utf8))
        try p.client.endSubgroup(streamID: s)
        try p.client.publishDone(id)
        p.run()
        let got = objects(p.serverEvents)
        XCTAssertEqual(got.map(\.payload), [Array("frame".utf8)])
        XCTAssertEqual(got.first?.trackAlias, 7)
        XCTAssertTrue(p.serverEvents.contains { if case .publishDone(id, let d) = $0 { return d.streamCount == 1 } else { return false } })
        XCTAssertTrue(p.serverEvents.contains { if case .subscriptionFinished(id, 1) = $0 { return true } else { return false } })
    }

    func testStandaloneFetch() throws {
        let p = try ready(seed: 9)
        let id = try p.client.fetch(track, start: Location(group: 1, object: 0), end: Location(group: 3, object: 0), groupOrder: .descending)
        p.run()
        guard case .fetchRequested(id, let f)? = p.serverEvents.last else { return XCTFail("no FETCH") }
        XCTAssertEqual(f.range, .standalone(track: track, start: Location(group: 1, object: 0), end: Location(group: 3, object: 0)))
        let stream = try p.server.acceptFetch(id, endOfTrack: false, endLocation: Location(group: 2, object: 1))
        let items: [Draft18.FetchObject] = [
            Draft18.FetchObject(location: Location(group: 2, object: 0), forwarding: .subgroup(0), publisherPriority: 5,
                                properties: [KeyValuePair(type: 0x10, integer: 99)], payload: [1, 2]),
            Draft18.FetchObject(location: Location(group: 2, object: 1), forwarding: .subgroup(0), publisherPriority: 5, payload: [3]),
            Draft18.FetchObject(location: Location(group: 1, object: 0), forwarding: .subgroup(1), publisherPriority: 6, payload: [4, 5, 6]),
        ]
        for o in items { try p.server.writeFetchItem(streamID: stream, .object(o)) }
        // Descending order: a later group cannot follow, nor an earlier object in the same group.
        XCTAssertThrowsError(try p.server.writeFetchItem(streamID: stream, .object(
            Draft18.FetchObject(location: Location(group: 2, object: 5), forwarding: .subgroup(0), publisherPriority: 5, payload: [1]))))
        XCTAssertThrowsError(try p.server.writeFetchItem(streamID: stream, .object(
            Draft18.FetchObject(location: Location(group: 3, object: 0), forwarding: .subgroup(0), publisherPriority: 5, payload: [1]))))
        try p.server.endFetch(streamID: stream)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .fetchOK(id, let ok) = $0 { return ok.endLocation == Location(group: 2, object: 1) } else { return false } })
        let got = p.clientEvents.compactMap { e -> Draft18.FetchObject? in if case .fetchObject(id, let o) = e { return o } else { return nil } }
        XCTAssertEqual(got, items)
        guard case .fetchEnded(id)? = p.clientEvents.last else { return XCTFail("no fetch end") }
    }

    func testJoiningFetchNeedsAKnownSubscription() throws {
        let p = try ready(seed: 11)
        let (sub, _) = try subscribeAccepted(p)
        let join = try p.client.fetch(range: .relativeJoining(requestID: sub, groupsBack: 2))
        p.run()
        guard case .fetchRequested(join, _)? = p.serverEvents.last else { return XCTFail("joining FETCH not delivered") }
        XCTAssertThrowsError(try p.client.fetch(range: .absoluteJoining(requestID: 998, startGroup: 0)))
    }

    func testDatagrams() throws {
        let p = try ready(seed: 12)
        let (id, alias) = try subscribeAccepted(p)
        try p.server.sendObjectDatagram(id, groupID: 4, objectID: 0, publisherPriority: 9,
                                        properties: [KeyValuePair(type: 0x10, integer: 5)], content: .payload([7, 7]), endOfGroup: true)
        try p.server.sendObjectDatagram(id, groupID: 5, objectID: 0, content: .status(.endOfTrack))
        p.run()
        let got = objects(p.clientEvents)
        XCTAssertEqual(got.count, 2)
        XCTAssertEqual(got.first?.streamID, nil)
        XCTAssertEqual(got.first?.trackAlias, alias)
        XCTAssertEqual(got.first?.payload, [7, 7])
        XCTAssertEqual(got.first?.publisherPriority, 9)
        XCTAssertEqual(got.first?.endOfGroup, true)
        XCTAssertEqual(got.last?.status, .endOfTrack)
    }

    /// A datagram sent right after SUBSCRIBE_OK can reach the subscriber first (it is not ordered
    /// against the request stream): it is kept until SUBSCRIBE_OK names its alias, then delivered.
    /// Seen with aiomoqt's pub_bench -D: moq-relay lost the first object of every such subscription.
    func testDatagramOvertakingSubscribeOKIsDelivered() throws {
        let p = try ready(seed: 5)
        let id = try p.client.subscribe(track)
        p.run()
        guard case .subscribeRequested(let rid, _)? = p.serverEvents.last else { return XCTFail("no SUBSCRIBE at server") }
        let alias = try p.server.acceptSubscribe(rid)
        try p.server.sendObjectDatagram(rid, groupID: 0, objectID: 0, content: .payload([1]))
        try p.server.sendObjectDatagram(rid, groupID: 0, objectID: 1, content: .payload([2]))
        // Both datagrams first, the SUBSCRIBE_OK on the request stream after.
        for signal in p.serverTransport.signals {
            guard case .datagram(let d) = signal else { continue }
            p.client.handleDatagram(d)
        }
        p.serverTransport.signals.removeAll()
        p.run()
        XCTAssertFalse(p.client.isClosed)
        let okAt = p.clientEvents.firstIndex { if case .subscribeOK(id, alias, _) = $0 { return true } else { return false } }
        let firstObjectAt = p.clientEvents.firstIndex { if case .object = $0 { return true } else { return false } }
        XCTAssertNotNil(okAt)
        XCTAssertNotNil(firstObjectAt)
        if let okAt, let firstObjectAt { XCTAssertLessThan(okAt, firstObjectAt, "objects reported before SUBSCRIBE_OK") }
        let got = objects(p.clientEvents)
        XCTAssertEqual(got.map(\.objectID), [0, 1])
        XCTAssertEqual(got.map(\.payload), [[1], [2]])
        XCTAssertEqual(Set(got.map(\.requestID)), [id])
        XCTAssertTrue(p.client.parkedDatagrams.isEmpty)
    }

    /// Early datagrams of a SUBSCRIBE that is then refused are dropped, not an error.
    func testDatagramBeforeRefusedSubscribeIsDropped() throws {
        let p = try ready(seed: 6)
        let id = try p.client.subscribe(track)
        p.run()
        var d = Draft18.ObjectDatagram(trackAlias: 9, groupID: 0, objectID: 0, publisherPriority: nil, content: .payload([1]))
        p.client.handleDatagram(d.encoded())
        XCTAssertEqual(p.client.parkedDatagrams.count, 1)
        try p.server.reject(id, code: .doesNotExist, reason: "no such track")
        p.run()
        XCTAssertFalse(p.client.isClosed)
        XCTAssertTrue(p.client.parkedDatagrams.isEmpty)
        XCTAssertTrue(objects(p.clientEvents).isEmpty)
        // The bound: a flood before a SUBSCRIBE_OK keeps at most maxParkedDatagrams.
        _ = try p.client.subscribe(FullTrackName(namespace: ns, name: "audio"))
        p.run()
        for o in 0..<UInt64(MoQTSession.maxParkedDatagrams + 10) {
            d = Draft18.ObjectDatagram(trackAlias: 9, groupID: 0, objectID: o, publisherPriority: nil, content: .payload([1]))
            p.client.handleDatagram(d.encoded())
        }
        XCTAssertEqual(p.client.parkedDatagrams.count, MoQTSession.maxParkedDatagrams)
    }

    func testSubscriptionFilterLimitsWhatThePublisherSends() throws {
        let p = try ready(seed: 13)
        let (id, _) = try subscribeAccepted(p, filter: .largestObject, largest: Location(group: 5, object: 3))
        XCTAssertThrowsError(try p.server.openSubgroup(id, groupID: 4)) {
            XCTAssertEqual($0 as? MoQTSessionError, .outsideSubscription(Location(group: 4, object: 0)))
        }
        let s = try p.server.openSubgroup(id, groupID: 5)
        XCTAssertThrowsError(try p.server.writeObject(streamID: s, objectID: 3, payload: [1]))
        try p.server.writeObject(streamID: s, objectID: 4, payload: [1])
        let q = try p.client.subscribe(FullTrackName(namespace: ns, name: "range"),
                                       filter: .absoluteRange(start: Location(group: 2, object: 0), endGroupDelta: 1))
        p.run()
        try p.server.acceptSubscribe(q)
        XCTAssertThrowsError(try p.server.openSubgroup(q, groupID: 4))
        XCTAssertNoThrow(try p.server.openSubgroup(q, groupID: 3))
        let n = try p.client.subscribe(FullTrackName(namespace: ns, name: "next"), filter: .nextGroupStart)
        p.run()
        try p.server.acceptSubscribe(n, largest: Location(group: 9, object: 9))
        XCTAssertThrowsError(try p.server.openSubgroup(n, groupID: 9))
        XCTAssertNoThrow(try p.server.openSubgroup(n, groupID: 10))
        XCTAssertEqual(p.server.subscriptionWindow(ofRequest: n)?.start, Location(group: 10, object: 0))
        XCTAssertEqual(p.server.subscriptionWindow(ofRequest: q)?.endGroup, 3)
        XCTAssertNil(p.client.subscriptionWindow(ofRequest: n))

        // Without enforcement the window is only informative.
        var config = MoQTSessionConfiguration()
        config.enforceSubscriptionFilters = false
        let lax = SessionPair(seed: 19, serverConfig: config)
        try lax.start()
        let l = try lax.client.subscribe(track, filter: .largestObject)
        lax.run()
        try lax.server.acceptSubscribe(l, largest: Location(group: 5, object: 3))
        let ls = try lax.server.openSubgroup(l, groupID: 4)
        XCTAssertNoThrow(try lax.server.writeObject(streamID: ls, objectID: 0, payload: [1]))
    }

    func testSubscribeNamespaceAndTrackStatus() throws {
        let p = try ready(seed: 14)
        let sn = try p.client.subscribeNamespace(TrackNamespace(strings: ["live"]))
        let ts = try p.client.trackStatus(track)
        p.run()
        try p.server.accept(sn)
        try p.server.sendNamespace(sn, suffix: TrackNamespace(strings: ["demo"]))
        try p.server.sendNamespaceDone(sn, suffix: TrackNamespace(strings: ["demo"]))
        var params = MessageParameters()
        params.largestObject = Location(group: 3, object: 2)
        try p.server.accept(ts, parameters: params)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .namespace(sn, TrackNamespace(strings: ["demo"])) = $0 { return true } else { return false } })
        XCTAssertTrue(p.clientEvents.contains { if case .namespaceDone(sn, TrackNamespace(strings: ["demo"])) = $0 { return true } else { return false } })
        XCTAssertTrue(p.clientEvents.contains {
            if case .requestOK(ts, let ok) = $0 { return ok.parameters.largestObject == Location(group: 3, object: 2) } else { return false }
        })
        XCTAssertFalse(p.client.isClosed)
    }

    func testGoAwayAndItsTimeout() throws {
        let p = try ready(seed: 15)
        try p.server.goAway(newSessionURI: "moqt://other.test/live", timeout: 100, now: 1_000)
        XCTAssertEqual(p.server.nextTimeout, 101_000)
        p.run()
        guard case .goAway(let g)? = p.clientEvents.last else { return XCTFail("no GOAWAY") }
        XCTAssertEqual(g.newSessionURI, "moqt://other.test/live")
        XCTAssertEqual(g.timeout, 100)
        XCTAssertThrowsError(try p.client.subscribe(track)) { XCTAssertEqual($0 as? MoQTSessionError, .goingAway) }
        p.server.handleTimeout(now: 50_000)
        XCTAssertFalse(p.server.isClosed)
        p.server.handleTimeout(now: 101_000)
        p.run()
        XCTAssertEqual(p.server.state, .closed(.goawayTimeout))
        XCTAssertEqual(p.serverTransport.closed?.code, SessionErrorCode.goawayTimeout.rawValue)
        guard case .closed(let code, _, true)? = p.clientEvents.last else { return XCTFail("client not told") }
        XCTAssertEqual(code, .goawayTimeout)
    }

    func testRequestsAfterSentGoAwayAreRefused() throws {
        let p = try ready(seed: 16)
        try p.server.goAway(now: 0)
        p.run()
        // The client ignores the GOAWAY by writing a SUBSCRIBE by hand on a new stream.
        let sid = try p.clientTransport.openStream(bidirectional: true)
        p.clientTransport.inject(Draft18.ControlMessage.subscribe(Draft18.Subscribe(requestID: 0, track: track)).encoded(), on: sid)
        p.holdServerStreams.insert(sid)
        p.run()
        XCTAssertFalse(p.serverEvents.contains { if case .subscribeRequested = $0 { return true } else { return false } })
        var r = ByteReader(p.serverTransport.streams[sid]?.bytes ?? [])
        guard case .requestError(let e) = try Draft18.ControlMessage.decode(from: &r) else { return XCTFail("no REQUEST_ERROR") }
        XCTAssertEqual(e.code, .goingAway)
        XCTAssertEqual(p.serverTransport.streams[sid]?.fin, true)
        XCTAssertFalse(p.server.isClosed)
    }

    func testBackPressureStillDeliversEverythingInOrder() throws {
        let p = try ready(seed: 17, maxChunk: 13, writeLimit: 3)
        let (id, _) = try subscribeAccepted(p)
        var sent: [UInt64: [[UInt8]]] = [:]
        var rng = SeededGenerator(seed: 99)
        var streams: [UInt64] = []
        for g in UInt64(0)..<3 {
            let s = try p.server.openSubgroup(id, groupID: g, publisherPriority: 1, hasProperties: true)
            streams.append(s)
            for o in UInt64(0)..<6 {
                let payload = rng.bytes(200 + Int(o) * 50)
                try p.server.writeObject(streamID: s, objectID: o, properties: [KeyValuePair(type: 0x10, integer: o)], payload: payload)
                sent[g, default: []].append(payload)
            }
            try p.server.endSubgroup(streamID: s)
        }
        XCTAssertGreaterThan(p.server.queuedByteCount, 3000)
        p.run()
        XCTAssertEqual(p.server.queuedByteCount, 0)
        let got = objects(p.clientEvents)
        for g in UInt64(0)..<3 {
            XCTAssertEqual(got.filter { $0.groupID == g }.map(\.payload), sent[g])
            XCTAssertEqual(got.filter { $0.groupID == g }.map(\.objectID), Array(0..<6))
        }
        XCTAssertEqual(p.clientEvents.filter { if case .subgroupEnded = $0 { return true } else { return false } }.count, 3)
        // FINs waited for the queued bytes.
        for s in streams { XCTAssertEqual(p.serverTransport.streams[s]?.finDelivered, true) }
    }

    func testSubscriberUpdatePausesForwarding() throws {
        let p = try ready(seed: 18)
        let (id, _) = try subscribeAccepted(p)
        XCTAssertTrue(p.server.isForwarding(id))
        var params = MessageParameters()
        params.forward = false
        params.subscriberPriority = 200
        let u = try p.client.requestUpdate(id, parameters: params)
        XCTAssertEqual(u, id + 2)
        p.run()
        XCTAssertTrue(p.serverEvents.contains { if case .requestUpdated(id, let m) = $0 { return m.parameters.forward == false } else { return false } })
        XCTAssertTrue(p.clientEvents.contains { if case .requestOK(u, _) = $0 { return true } else { return false } })
        XCTAssertFalse(p.server.isForwarding(id))
        XCTAssertThrowsError(try p.server.openSubgroup(id, groupID: 0)) { XCTAssertEqual($0 as? MoQTSessionError, .notForwarding(id)) }
        params.forward = true
        _ = try p.client.requestUpdate(id, parameters: params)
        p.run()
        let s = try p.server.openSubgroup(id, groupID: 0)
        XCTAssertEqual(p.serverTransport.priorities[s]?.subscriberPriority, 200)
    }

    func testStreamPriorityOrder() {
        let base = MoQTStreamPriority(subscriberPriority: 10, publisherPriority: 5, groupID: 4, subgroupID: 0, groupOrder: .ascending)
        var other = base
        XCTAssertTrue(MoQTStreamPriority.control.sendsBefore(base))
        XCTAssertFalse(base.sendsBefore(.control))
        other.subscriberPriority = 11
        XCTAssertTrue(base.sendsBefore(other))
        other = base; other.publisherPriority = 4
        XCTAssertTrue(other.sendsBefore(base))
        other = base; other.groupID = 5
        XCTAssertTrue(base.sendsBefore(other))
        var desc = base; desc.groupOrder = .descending
        var descNewer = desc; descNewer.groupID = 5
        XCTAssertTrue(descNewer.sendsBefore(desc))
        desc = base; desc.subgroupID = 1
        XCTAssertTrue(base.sendsBefore(desc))
    }

    func testRejectedPublishDropsItsData() throws {
        let p = try ready(seed: 20)
        let id = try p.client.publish(track, trackAlias: 3)
        let s = try p.client.openSubgroup(id, groupID: 0, publisherPriority: 0)
        try p.client.writeObject(streamID: s, objectID: 0, payload: [1])
        p.run()
        guard case .publishRequested(id, _)? = p.serverEvents.first(where: { if case .publishRequested = $0 { return true } else { return false } }) else {
            return XCTFail("no PUBLISH")
        }
        // The refusal is held back while the publisher keeps writing.
        guard let requestStream = p.clientTransport.order.first(where: { $0 & 0x2 == 0 }) else { return XCTFail() }
        p.holdServerStreams.insert(requestStream)
        try p.server.reject(id, code: .uninterested)
        try p.client.writeObject(streamID: s, objectID: 1, payload: [2])
        p.run()
        XCTAssertFalse(p.serverEvents.contains { if case .object(let o) = $0 { return o.objectID == 1 } else { return false } })
        p.holdServerStreams = []
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .requestError(id, let e) = $0 { return e.code == .uninterested } else { return false } })
        // The publisher's session reset the track's stream.
        XCTAssertThrowsError(try p.client.writeObject(streamID: s, objectID: 2, payload: [3]))
        XCTAssertNotNil(p.clientTransport.streams[s]?.reset)
        XCTAssertFalse(p.server.isClosed)
        XCTAssertFalse(p.client.isClosed)
    }
}
