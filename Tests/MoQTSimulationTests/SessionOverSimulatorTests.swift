import XCTest
import MoQT
import MoQTQUIC
import NetSim
import QUIC
import TestSupport

/// MoQT sessions on real QUIC connections through the network simulator: setup, namespaces,
/// subscriptions, data, cancellation, PUBLISH_DONE, FETCH, GOAWAY and send priorities, on clean
/// and lossy links (virtual time, seeded, deterministic).
final class SessionOverSimulatorTests: XCTestCase {
    let ns = TrackNamespace(strings: ["live", "sim"])
    var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }

    static func lossy(_ loss: Double) -> LinkConfiguration {
        LinkConfiguration(delay: .milliseconds(15), jitter: .milliseconds(3), lossRate: loss, duplicationRate: loss / 5)
    }

    func ready(seed: UInt64, loss: Double = 0, file: StaticString = #filePath, line: UInt = #line) throws -> SimulatedSessions {
        let s = try SimulatedSessions(seed: seed, clientToServer: Self.lossy(loss), serverToClient: Self.lossy(loss))
        XCTAssertTrue(s.start(), "SETUP not exchanged (seed \(seed), loss \(loss))", file: file, line: line)
        return s
    }

    /// A payload that names its location, so any mix-up shows.
    static func payload(group: UInt64, subgroup: UInt64, object: UInt64, size: Int) -> [UInt8] {
        var bytes = Array("g\(group)s\(subgroup)o\(object):".utf8)
        var x = UInt32(truncatingIfNeeded: group &* 7919 &+ subgroup &* 131 &+ object)
        while bytes.count < size {
            x = x &* 1_664_525 &+ 1_013_904_223
            bytes.append(UInt8(truncatingIfNeeded: x >> 24))
        }
        return bytes
    }

    func testSetupOverLossyLink() throws {
        for seed in UInt64(1)...3 {
            let s = try ready(seed: seed, loss: 0.2)
            guard case .ready(let serverSaw)? = s.serverEvents.first else { return XCTFail("server not ready") }
            XCTAssertEqual(serverSaw.path, "/live")
            XCTAssertEqual(serverSaw.implementation, "sim-client")
            guard case .ready(let clientSaw)? = s.clientEvents.first else { return XCTFail("client not ready") }
            XCTAssertEqual(clientSaw.implementation, "sim-server")
        }
    }

    /// moq-pub's flow towards a relay: announce, the relay subscribes, groups of I/P/B subgroups,
    /// PUBLISH_DONE with the exact stream count — every object arrives, in order, on every link.
    func testAnnouncePublishAndDeliverEverythingUnderLoss() throws {
        for (seed, loss) in [(UInt64(21), 0.0), (22, 0.05), (23, 0.15)] {
            let s = try ready(seed: seed, loss: loss)
            let announce = try s.client.publishNamespace(ns)
            XCTAssertTrue(s.run { s.serverEvents.contains { if case .publishNamespaceRequested(announce, _) = $0 { return true } else { return false } } })
            try s.server.accept(announce)
            XCTAssertTrue(s.run { s.clientEvents.contains { if case .requestOK(announce, _) = $0 { return true } else { return false } } })

            let sub = try s.server.subscribe(track, subscriberPriority: 1, groupOrder: .ascending)
            XCTAssertTrue(s.run { s.clientEvents.contains { if case .subscribeRequested(sub, _) = $0 { return true } else { return false } } })
            let alias = try s.client.acceptSubscribe(sub)
            XCTAssertTrue(s.run { s.serverEvents.contains { if case .subscribeOK(sub, alias, _) = $0 { return true } else { return false } } })

            var sent: [[UInt64]: [[UInt8]]] = [:]
            let groups: UInt64 = 5, subgroups: UInt64 = 3, perSubgroup: UInt64 = 6
            for g in 0..<groups {
                var streams: [UInt64] = []
                for sg in 0..<subgroups {
                    streams.append(try s.client.openSubgroup(sub, groupID: g, subgroupID: sg == 0 ? .zero : .explicit(sg),
                                                             publisherPriority: UInt8(sg)))
                }
                for o in 0..<perSubgroup {
                    for sg in 0..<subgroups {
                        let objectID = o * subgroups + sg
                        let bytes = Self.payload(group: g, subgroup: sg, object: objectID, size: sg == 0 ? 3000 : 700)
                        try s.client.writeObject(streamID: streams[Int(sg)], objectID: objectID, payload: bytes)
                        sent[[g, sg], default: []].append(bytes)
                    }
                }
                for id in streams { try s.client.endSubgroup(streamID: id) }
                s.run(seconds: 0.05) { false }
            }
            try s.client.publishDone(sub, code: .trackEnded, reason: "end")
            let finished = s.run(seconds: 120) {
                s.serverEvents.contains { if case .subscriptionFinished(sub, _) = $0 { return true } else { return false } }
            }
            XCTAssertTrue(finished, "no subscriptionFinished (seed \(seed), loss \(loss))")
            let got = s.serverObjects
            XCTAssertEqual(got.count, Int(groups * subgroups * perSubgroup), "loss \(loss)")
            for (key, payloads) in sent {
                let received = got.filter { $0.groupID == key[0] && ($0.subgroupID ?? 0) == key[1] }
                XCTAssertEqual(received.map(\.payload), payloads, "subgroup \(key), loss \(loss)")
                XCTAssertTrue(received.allSatisfy { $0.trackAlias == alias && $0.publisherPriority == UInt8(key[1]) })
            }
            let done = s.serverEvents.compactMap { e -> Draft18.PublishDone? in if case .publishDone(sub, let d) = e { return d } else { return nil } }
            XCTAssertEqual(done.first?.streamCount, groups * subgroups)
            XCTAssertTrue(s.serverEvents.contains { if case .subscriptionFinished(sub, groups * subgroups) = $0 { return true } else { return false } })
            XCTAssertFalse(s.client.isClosed || s.server.isClosed, "loss \(loss)")
            let dropped = s.simulator.stats(from: s.clientAddress, to: s.serverAddress).datagramsDropped
            if loss > 0 { XCTAssertGreaterThan(dropped, 0, "the link really lost datagrams") } else { XCTAssertEqual(dropped, 0) }
        }
    }

    /// PUBLISH (publisher-initiated) and an UNSUBSCRIBE-style cancellation in the middle of the data.
    func testPublishThenCancelMidStream() throws {
        let s = try ready(seed: 31, loss: 0.05)
        let pub = try s.client.publish(track, trackAlias: 3, largest: Location(group: 0, object: 0), forward: true)
        XCTAssertTrue(s.run { s.serverEvents.contains { if case .publishRequested(pub, _) = $0 { return true } else { return false } } })
        try s.server.acceptPublish(pub, forward: true)
        XCTAssertTrue(s.run { s.clientEvents.contains { if case .requestOK(pub, _) = $0 { return true } else { return false } } })
        let stream = try s.client.openSubgroup(pub, groupID: 0, publisherPriority: 0)
        for o in UInt64(0)..<5 { try s.client.writeObject(streamID: stream, objectID: o, payload: Self.payload(group: 0, subgroup: 0, object: o, size: 900)) }
        XCTAssertTrue(s.run { s.serverObjects.count == 5 })
        try s.server.cancel(pub)
        XCTAssertTrue(s.run { s.clientEvents.contains { if case .requestCancelled(pub, _) = $0 { return true } else { return false } } })
        // The publisher may no longer send on the cancelled request; the session stays up.
        XCTAssertThrowsError(try s.client.openSubgroup(pub, groupID: 1))
        s.run(seconds: 1) { false }
        XCTAssertEqual(s.serverObjects.filter { $0.groupID == 1 }.count, 0)
        XCTAssertFalse(s.client.isClosed || s.server.isClosed)
    }

    /// A standalone FETCH answered with 40 objects through a lossy link arrives complete and in order.
    func testStandaloneFetchUnderLoss() throws {
        let s = try ready(seed: 41, loss: 0.1)
        let fetch = try s.client.fetch(track, start: Location(group: 0, object: 0), end: Location(group: 4, object: 0))
        XCTAssertTrue(s.run { s.serverEvents.contains { if case .fetchRequested(fetch, _) = $0 { return true } else { return false } } })
        let stream = try s.server.acceptFetch(fetch, endOfTrack: false, endLocation: Location(group: 3, object: 9))
        var items: [Draft18.FetchObject] = []
        for g in UInt64(0)..<4 {
            for o in UInt64(0)..<10 {
                items.append(Draft18.FetchObject(location: Location(group: g, object: o), forwarding: .subgroup(0), publisherPriority: 1,
                                                 payload: Self.payload(group: g, subgroup: 0, object: o, size: 1500)))
            }
        }
        for item in items { try s.server.writeFetchItem(streamID: stream, .object(item)) }
        try s.server.endFetch(streamID: stream)
        XCTAssertTrue(s.run(seconds: 60) { s.clientEvents.contains { if case .fetchEnded(fetch) = $0 { return true } else { return false } } })
        let got = s.clientEvents.compactMap { e -> Draft18.FetchObject? in if case .fetchObject(fetch, let o) = e { return o } else { return nil } }
        XCTAssertEqual(got, items)
    }

    /// GOAWAY reaches the peer through loss; the sender closes with GOAWAY_TIMEOUT when the timeout
    /// passes in virtual time, and the peer learns it.
    func testGoAwayTimeoutUnderLoss() throws {
        let s = try ready(seed: 51, loss: 0.1)
        try s.server.goAway(newSessionURI: "moqt://other.test/live", timeout: 2_000, now: s.nowMicroseconds)
        XCTAssertTrue(s.run { s.clientEvents.contains { if case .goAway(let g) = $0 { return g.newSessionURI == "moqt://other.test/live" } else { return false } } })
        XCTAssertThrowsError(try s.client.subscribe(track))
        let start = s.simulator.now
        XCTAssertTrue(s.run(seconds: 20) { s.clientEvents.contains { if case .closed(.goawayTimeout, _, true) = $0 { return true } else { return false } } })
        let waited = (s.simulator.now - start).milliseconds
        XCTAssertGreaterThanOrEqual(waited, 1_900)
        XCTAssertLessThan(waited, 6_000)
        XCTAssertTrue(s.server.isClosed)
    }

    /// Send priorities reach the QUIC scheduler: on a 250 kB/s bottleneck, an urgent subgroup
    /// (publisher priority 0) written *after* a large bulk one (200) overtakes it; with equal
    /// publisher priorities the draft's next key, the subgroup ID (2 after 1), keeps it behind.
    func testPublisherPriorityOrdersTheBottleneck() throws {
        /// How long the urgent subgroup took from its first write to its last object's arrival,
        /// and when the bulk one finished (nanoseconds of virtual time).
        func lastArrivals(highPriority: UInt8) throws -> (high: UInt64, low: UInt64) {
            let link = LinkConfiguration(delay: .milliseconds(10), bandwidth: 250_000, queueCapacity: 60_000)
            let s = try SimulatedSessions(seed: 61, clientToServer: link, serverToClient: link)
            XCTAssertTrue(s.start())
            let sub = try s.client.subscribe(track, subscriberPriority: 1, groupOrder: .ascending)
            XCTAssertTrue(s.run { s.serverEvents.contains { if case .subscribeRequested(sub, _) = $0 { return true } else { return false } } })
            _ = try s.server.acceptSubscribe(sub)
            XCTAssertTrue(s.run { s.clientEvents.contains { if case .subscribeOK(sub, _, _) = $0 { return true } else { return false } } })
            let low = try s.server.openSubgroup(sub, groupID: 0, subgroupID: .explicit(1), publisherPriority: 200)
            for o in UInt64(0)..<40 { try s.server.writeObject(streamID: low, objectID: o * 2 + 1, payload: Self.payload(group: 0, subgroup: 1, object: o, size: 10_000)) }
            try s.server.endSubgroup(streamID: low)
            s.run(seconds: 0.1) { false }
            let highStart = s.simulator.now.nanoseconds
            let high = try s.server.openSubgroup(sub, groupID: 0, subgroupID: .explicit(2), publisherPriority: highPriority)
            for o in UInt64(0)..<20 { try s.server.writeObject(streamID: high, objectID: 100 + o, payload: Self.payload(group: 0, subgroup: 2, object: o, size: 10_000)) }
            try s.server.endSubgroup(streamID: high)
            XCTAssertTrue(s.run(seconds: 60) { s.clientObjects.count == 60 })
            func last(_ subgroup: UInt64) -> UInt64 {
                let i = s.clientEvents.lastIndex { if case .object(let o) = $0 { return o.subgroupID == subgroup } else { return false } }!
                return s.clientEventTimes[i]
            }
            return (last(2) - highStart, last(1) - highStart)
        }
        let prioritized = try lastArrivals(highPriority: 0)
        let equal = try lastArrivals(highPriority: 200)
        // 200 kB at 250 kB/s take 0.8 s alone; behind the rest of the 400 kB bulk, over 2 s.
        XCTAssertLessThan(prioritized.high, 1_150_000_000, "urgent subgroup did not get the link: \(prioritized)")
        XCTAssertLessThan(prioritized.high + 500_000_000, prioritized.low)
        XCTAssertGreaterThan(equal.high, equal.low, "subgroup order should keep it behind the bulk: \(equal)")
        XCTAssertGreaterThan(equal.high, 1_800_000_000)
    }

    func testSendOrderMatchesTheDraftsOrder() {
        // Seeded: the same 20,000 pairs every run.
        var rng = SeededGenerator(seed: 18)
        func random() -> MoQTStreamPriority {
            if Int.random(in: 0..<10, using: &rng) == 0 { return .control }
            return MoQTStreamPriority(subscriberPriority: UInt8.random(in: 0...3, using: &rng), publisherPriority: UInt8.random(in: 0...3, using: &rng),
                                      groupID: UInt64.random(in: 0...5, using: &rng) + (Bool.random(using: &rng) ? 1 << 37 : 0),
                                      subgroupID: UInt64.random(in: 0...300, using: &rng), groupOrder: .ascending)
        }
        for _ in 0..<20_000 {
            let a = random()
            var b = random()
            b.groupOrder = a.groupOrder
            if a.subgroupID >= 255 && b.subgroupID >= 255 { continue }  // documented: 255 and above share a rank
            if a.sendsBefore(b) { XCTAssertLessThan(a.sendOrder, b.sendOrder, "\(a) vs \(b)") }
            if b.sendsBefore(a) { XCTAssertGreaterThan(a.sendOrder, b.sendOrder, "\(a) vs \(b)") }
        }
        var newer = MoQTStreamPriority(subscriberPriority: 0, publisherPriority: 0, groupID: 9, subgroupID: 0, groupOrder: .descending)
        let older = MoQTStreamPriority(subscriberPriority: 0, publisherPriority: 0, groupID: 8, subgroupID: 0, groupOrder: .descending)
        XCTAssertLessThan(newer.sendOrder, older.sendOrder)
        newer.groupOrder = .ascending
        XCTAssertGreaterThan(newer.sendOrder, MoQTStreamPriority(subscriberPriority: 0, publisherPriority: 0, groupID: 8, subgroupID: 0, groupOrder: .ascending).sendOrder)
    }
}
