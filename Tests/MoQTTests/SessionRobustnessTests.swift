import XCTest
import Wire
@testable import MoQT
import TestSupport

/// Many seeds, random input, and bookkeeping after complete lifecycles.
final class SessionRobustnessTests: XCTestCase {
    let track = FullTrackName(namespace: TrackNamespace(strings: ["r"]), name: "t")

    func testRequestRecordsAreReleasedAfterTheirLifecycle() throws {
        let p = SessionPair(seed: 41)
        try p.start()
        let sub = try p.client.subscribe(track)
        let ns = try p.client.publishNamespace(TrackNamespace(strings: ["r"]))
        let fetch = try p.client.fetch(track, start: .zero, end: Location(group: 1, object: 0))
        p.run()
        let alias = try p.server.acceptSubscribe(sub)
        try p.server.reject(ns, code: .unauthorized)
        let fs = try p.server.acceptFetch(fetch, endOfTrack: true, endLocation: .zero)
        try p.server.writeFetchItem(streamID: fs, .endOfRange(Location(group: 0, object: 5), nonExistent: true))
        try p.server.endFetch(streamID: fs)
        let s = try p.server.openSubgroup(sub, groupID: 0, publisherPriority: 1)
        try p.server.writeObject(streamID: s, objectID: 0, payload: [1])
        try p.server.endSubgroup(streamID: s)
        try p.server.publishDone(sub)
        p.run()
        XCTAssertTrue(p.clientEvents.contains { if case .fetchEndOfRange(fetch, Location(group: 0, object: 5), true) = $0 { return true } else { return false } })
        XCTAssertTrue(p.clientEvents.contains { if case .subscriptionFinished(sub, 1) = $0 { return true } else { return false } })
        XCTAssertTrue(p.client.requests.isEmpty, "\(p.client.requests)")
        XCTAssertTrue(p.server.requests.isEmpty, "\(p.server.requests)")
        XCTAssertTrue(p.client.incoming.isEmpty)
        XCTAssertTrue(p.server.outgoing.isEmpty)
        XCTAssertNil(p.client.receivedAliases[alias])
        XCTAssertTrue(p.server.sentAliases.isEmpty)
        XCTAssertTrue(p.client.localFetchOrders.isEmpty)
        XCTAssertFalse(p.client.isClosed || p.server.isClosed)
    }

    func testManySeedsWithMidStreamUnsubscribe() throws {
        for seed in UInt64(100)..<UInt64(160) {
            var rng = SeededGenerator(seed: seed)
            let p = SessionPair(seed: seed, maxChunk: Int.random(in: 1...20, using: &rng),
                                writeLimit: Bool.random(using: &rng) ? Int.random(in: 1...16, using: &rng) : nil)
            try p.start()
            let keep = try p.client.subscribe(track)
            let drop = try p.client.subscribe(FullTrackName(namespace: track.namespace, name: "drop"))
            p.run(maxSteps: Int.random(in: 0...40, using: &rng))
            // The server may not have seen both SUBSCRIBEs yet.
            p.run()
            try p.server.acceptSubscribe(keep)
            try p.server.acceptSubscribe(drop)
            var keepPayloads: [[UInt8]] = []
            var dropStreams: [UInt64] = []
            for g in UInt64(0)..<3 {
                let a = try p.server.openSubgroup(keep, groupID: g, publisherPriority: UInt8(g))
                let b = try p.server.openSubgroup(drop, groupID: g, publisherPriority: UInt8(g))
                dropStreams.append(b)
                for o in UInt64(0)..<3 {
                    let payload = rng.bytes(Int.random(in: 1...64, using: &rng))
                    try p.server.writeObject(streamID: a, objectID: o, payload: payload)
                    keepPayloads.append(payload)
                    try p.server.writeObject(streamID: b, objectID: o, payload: [UInt8(o)])
                }
                try p.server.endSubgroup(streamID: a)
                if g == 1 {
                    p.run(maxSteps: Int.random(in: 0...60, using: &rng))
                    try p.client.unsubscribe(drop)
                }
                // The publisher keeps writing until it hears of the unsubscribe.
                try? p.server.endSubgroup(streamID: b)
            }
            try p.server.publishDone(keep)
            p.run()
            XCTAssertFalse(p.client.isClosed, "seed \(seed): \(p.clientEvents.last.map { "\($0)" } ?? "")")
            XCTAssertFalse(p.server.isClosed, "seed \(seed)")
            let got = p.clientEvents.compactMap { e -> [UInt8]? in
                if case .object(let o) = e, o.requestID == keep { return o.payload } else { return nil }
            }
            XCTAssertEqual(Set(got), Set(keepPayloads), "seed \(seed)")
            XCTAssertEqual(got.count, 9, "seed \(seed)")
            XCTAssertTrue(p.clientEvents.contains { if case .subscriptionFinished(keep, 3) = $0 { return true } else { return false } }, "seed \(seed)")
            XCTAssertTrue(p.serverEvents.contains { if case .requestCancelled(drop, _) = $0 { return true } else { return false } }, "seed \(seed)")
            XCTAssertEqual(p.server.queuedByteCount, 0)
        }
    }

    /// Random bytes on random new streams, on the control stream and as datagrams never trap:
    /// the session stays open or closes with a registered code.
    func testRandomInputNeverTraps() throws {
        for seed in UInt64(200)..<UInt64(500) {
            var rng = SeededGenerator(seed: seed)
            let p = SessionPair(seed: seed, maxChunk: 5)
            try p.start()
            _ = try p.client.subscribe(track)
            p.run()
            let junk = rng.bytes(Int.random(in: 1...48, using: &rng))
            switch seed % 4 {
            case 0: p.serverTransport.inject(junk, on: try p.serverTransport.openStream(bidirectional: false), fin: Bool.random(using: &rng))
            case 1: p.serverTransport.inject(junk, on: 3)
            case 2: try p.serverTransport.sendDatagram(junk)
            default:
                // A plausible start (a subgroup type) followed by junk.
                p.serverTransport.inject([0x10] + junk, on: try p.serverTransport.openStream(bidirectional: false), fin: true)
            }
            p.run()
            if case .closed(let code) = p.client.state {
                XCTAssertTrue(SessionErrorCode.allKnown.contains(code), "seed \(seed): \(code)")
            }
            // Random bytes on a new bidirectional stream from the client hit the server's request parser.
            let q = SessionPair(seed: seed, maxChunk: 3)
            try q.start()
            q.clientTransport.inject(rng.bytes(Int.random(in: 1...48, using: &rng)), on: try q.clientTransport.openStream(bidirectional: true), fin: Bool.random(using: &rng))
            q.run()
            if case .closed(let code) = q.server.state {
                XCTAssertTrue(SessionErrorCode.allKnown.contains(code), "seed \(seed): \(code)")
            }
        }
    }
}
