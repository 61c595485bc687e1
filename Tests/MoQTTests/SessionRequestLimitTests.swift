import XCTest
@testable import MoQT
import TestSupport

/// What a peer's requests cannot make a session hold: more open requests than `maxPeerRequests`
/// or SUBSCRIBEs than `maxPeerSubscriptions` (REQUEST_ERROR EXCESSIVE_LOAD with a Retry Interval,
/// the session kept), a second SUBSCRIBE to a track it is subscribed to (DUPLICATE_SUBSCRIPTION,
/// draft-18 §5.1), and a record of used Request IDs that grows with every request.
final class SessionRequestLimitTests: XCTestCase {
    func track(_ n: Int) -> FullTrackName { FullTrackName(namespace: TrackNamespace(strings: ["live"]), name: "t\(n)") }

    func pair(requests: Int? = nil, subscriptions: Int? = nil, seed: UInt64 = 5) throws -> SessionPair {
        var config = MoQTSessionConfiguration(setupOptions: SetupOptions(implementation: "test-server"))
        config.maxPeerRequests = requests
        config.maxPeerSubscriptions = subscriptions
        let p = SessionPair(seed: seed, maxChunk: 64, serverConfig: config)
        try p.start()
        return p
    }

    func requestErrors(_ p: SessionPair) -> [UInt64: Draft18.RequestError] {
        var out: [UInt64: Draft18.RequestError] = [:]
        for e in p.clientEvents { if case .requestError(let id, let err) = e { out[id] = err } }
        return out
    }

    func subscribeRequests(_ p: SessionPair) -> [UInt64] {
        p.serverEvents.compactMap { if case .subscribeRequested(let id, _) = $0 { return id } else { return nil } }
    }

    func testSubscriptionsOverTheLimitGetExcessiveLoadAndTheSessionGoesOn() throws {
        let p = try pair(subscriptions: 3)
        var ids: [UInt64] = []
        for n in 0..<5 { ids.append(try p.client.subscribe(track(n))) }
        p.run()
        XCTAssertEqual(Set(subscribeRequests(p)).count, 3, "the application sees only the first three")
        let errors = requestErrors(p)
        XCTAssertEqual(errors.count, 2)
        for (_, e) in errors {
            XCTAssertEqual(e.code, .excessiveLoad)
            XCTAssertEqual(e.retryInterval, 1_001)
        }
        XCTAssertTrue(p.client.isReady && p.server.isReady)
        // One subscription ends (the subscriber unsubscribes): room for one more.
        let accepted = subscribeRequests(p)
        try p.server.acceptSubscribe(accepted[0])
        p.run()
        try p.client.unsubscribe(accepted[0])
        p.run()
        let again = try p.client.subscribe(track(9))
        p.run()
        XCTAssertTrue(subscribeRequests(p).contains(again), "a slot freed by UNSUBSCRIBE is usable again")
        XCTAssertNil(requestErrors(p)[again])
    }

    func testOtherRequestsCountTowardsTheRequestLimitNotTheSubscriptionLimit() throws {
        let p = try pair(requests: 4, subscriptions: 10)
        // One at a time: request streams may overtake each other.
        for n in 0..<3 { _ = try p.client.subscribeNamespace(TrackNamespace(strings: ["ns\(n)"])); p.run() }
        let fourth = try p.client.subscribe(track(0))
        p.run()
        let fifth = try p.client.subscribe(track(1))
        p.run()
        XCTAssertEqual(subscribeRequests(p), [fourth])
        XCTAssertEqual(requestErrors(p)[fifth]?.code, .excessiveLoad)
        XCTAssertTrue(requestErrors(p)[fifth]?.reason.contains("open requests") ?? false)
        // A refused request holds nothing: answering one frees a slot.
        try p.server.reject(fourth, code: .doesNotExist)
        p.run()
        let sixth = try p.client.trackStatus(track(2))
        p.run()
        XCTAssertNil(requestErrors(p)[sixth], "TRACK_STATUS fits once the SUBSCRIBE was answered")
        XCTAssertTrue(p.serverEvents.contains { if case .trackStatusRequested(sixth, _) = $0 { return true } else { return false } })
    }

    func testASecondSubscribeToTheSameTrackIsADuplicateSubscription() throws {
        let p = try pair()
        let first = try p.client.subscribe(track(1))
        p.run()
        let second = try p.client.subscribe(track(1))
        p.run()
        XCTAssertEqual(subscribeRequests(p), [first])
        XCTAssertEqual(requestErrors(p)[second]?.code, .duplicateSubscription)
        // After the first ends (PUBLISH_DONE), the track may be subscribed again.
        try p.server.acceptSubscribe(first)
        p.run()
        try p.server.publishDone(first, code: .trackEnded)
        p.run()
        let third = try p.client.subscribe(track(1))
        p.run()
        XCTAssertEqual(subscribeRequests(p), [first, third])
        XCTAssertTrue(p.client.isReady && p.server.isReady)
    }

    func testUsedRequestIDsAreRememberedCompactly() throws {
        let p = try pair()
        // 3,000 requests, each answered at once: the record of used IDs stays small, and a reused
        // ID is still caught.
        for n in 0..<3_000 {
            let id = try p.client.trackStatus(track(n))
            p.run()
            try p.server.reject(id, code: .doesNotExist)
            p.run()
        }
        XCTAssertTrue(p.server.usedPeerRequestIDs.isEmpty, "in-order IDs leave nothing above the floor")
        XCTAssertEqual(p.server.peerRequestIDFloor, 6_000)
        XCTAssertLessThanOrEqual(p.server.endedRequests.count, MoQTSession.maxEndedRecords)
        XCTAssertThrowsError(try p.server.acceptPeerRequestID(1_234)) { XCTAssertEqual(($0 as? MoQTError)?.code, .invalidRequestID) }
    }

    func testASkippedRequestIDHoldsTheFloorOnlyForABoundedNumberOfRequests() throws {
        let (s, _) = (MoQTSession(role: .server, transport: SessionMemoryTransport(isClient: false)), ())
        // ID 0 never arrives (its stream was reset before it was read); 2, 4, ... do.
        let n = MoQTSession.maxPeerRequestIDsTracked + 10
        for k in 1...n { try s.acceptPeerRequestID(UInt64(2 * k)) }
        XCTAssertLessThanOrEqual(s.usedPeerRequestIDs.count, MoQTSession.maxPeerRequestIDsTracked)
        XCTAssertEqual(s.peerRequestIDFloor, UInt64(2 * n + 2))
        XCTAssertThrowsError(try s.acceptPeerRequestID(0), "an ID that old counts as used")
        XCTAssertThrowsError(try s.acceptPeerRequestID(3), "wrong parity")
        XCTAssertNoThrow(try s.acceptPeerRequestID(UInt64(2 * n + 4)), "a later ID (one skipped) is fine")
        XCTAssertNoThrow(try s.acceptPeerRequestID(UInt64(2 * n + 2)), "and the skipped one may still come")
        XCTAssertThrowsError(try s.acceptPeerRequestID(UInt64(2 * n + 4)), "reuse is caught")
    }
}
