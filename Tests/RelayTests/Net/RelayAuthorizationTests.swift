import MoQT
import MoQTNet
import XCTest
@testable import Relay

/// `moq-relay --publish-token / --subscribe-token` (draft-18 §10.2.2 AUTHORIZATION TOKEN,
/// §10.6.2 REQUEST_ERROR UNAUTHORIZED, §3.5 session UNAUTHORIZED).
final class RelayAuthorizationTests: XCTestCase {
    private let ns = TrackNamespace(strings: ["auth"])
    private var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }
    private let sizes = (i: 900, p: 300, b: 200)
    private let pubToken: [UInt8] = Array("pub-secret".utf8)
    private let subToken: [UInt8] = Array("sub-secret".utf8)

    private func token(_ value: [UInt8], type: UInt64 = 0) -> MessageParameters {
        var p = MessageParameters()
        p.authorizationTokens = [.useValue(type: type, value: value)]
        return p
    }

    private var both: RelayAuthorization {
        var a = RelayAuthorization()
        a.tokens[.publish] = [Array("other".utf8), pubToken]
        a.tokens[.subscribe] = [subToken]
        return a
    }

    // MARK: Sans-I/O

    func testTokenFileLines() {
        let text = "# accepted publishers\n\nalpha\r\n  beta  \n#gamma\n\tdelta\n"
        XCTAssertEqual(RelayAuthorization.parseTokens(text).map { String(decoding: $0, as: UTF8.self) }, ["alpha", "beta", "delta"])
        XCTAssertEqual(RelayAuthorization.parseTokens("# only a comment\n\n"), [])
    }

    func testTokenFileErrors() throws {
        XCTAssertThrowsError(try RelayAuthorization.loadTokens(path: "/nonexistent/tokens", flag: "--publish-token")) {
            XCTAssertTrue("\($0)".contains("--publish-token /nonexistent/tokens"), "\($0)")
        }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("relay-auth-\(UUID().uuidString)")
        try Data("# nothing\n\n".utf8).write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        XCTAssertThrowsError(try RelayAuthorization.loadTokens(path: empty.path, flag: "--subscribe-token")) {
            XCTAssertTrue("\($0)".contains("no token"), "\($0)")
        }
    }

    func testConstantTimeEquality() {
        XCTAssertTrue(RelayAuthorization.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(RelayAuthorization.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(RelayAuthorization.constantTimeEqual([1, 2], [1, 2, 0]))
        XCTAssertFalse(RelayAuthorization.constantTimeEqual([], [0]))
        XCTAssertTrue(RelayAuthorization.constantTimeEqual([], []))
    }

    func testEachRoleIsGuardedByItsOwnTokens() {
        let a = both
        let pub: [AuthorizationToken] = [.useValue(type: 0, value: pubToken)]
        let sub: [AuthorizationToken] = [.useValue(type: 0, value: subToken)]
        XCTAssertNil(a.refusal(.publish, requestTokens: pub, setupTokens: []))
        XCTAssertNil(a.refusal(.subscribe, requestTokens: sub, setupTokens: []))
        XCTAssertNotNil(a.refusal(.publish, requestTokens: sub, setupTokens: []))
        XCTAssertNotNil(a.refusal(.subscribe, requestTokens: pub, setupTokens: []))
        XCTAssertEqual(a.refusal(.publish, requestTokens: [], setupTokens: []), "no AUTHORIZATION TOKEN (this relay requires one to publish)")
        // A SETUP token authorises the session's requests of its role.
        XCTAssertNil(a.refusal(.subscribe, requestTokens: [], setupTokens: sub))
        XCTAssertNotNil(a.refusal(.publish, requestTokens: [], setupTokens: sub))
        // Type 0 only; a prefix of a token is not the token.
        XCTAssertNotNil(a.refusal(.publish, requestTokens: [.useValue(type: 1, value: pubToken)], setupTokens: []))
        XCTAssertNotNil(a.refusal(.publish, requestTokens: [.useValue(type: 0, value: Array(pubToken.dropLast()))], setupTokens: []))
        // Any of several tokens may match.
        XCTAssertNil(a.refusal(.publish, requestTokens: [.useValue(type: 0, value: [1]), .useValue(type: 0, value: pubToken)], setupTokens: []))
        // SETUP: a token that grants nothing is refused; no token is fine.
        XCTAssertNil(a.setupRefusal([]))
        XCTAssertNil(a.setupRefusal(sub))
        XCTAssertNotNil(a.setupRefusal([.useValue(type: 0, value: Array("wrong".utf8))]))
        // Without flags everything is open and SETUP tokens are not looked at.
        let open = RelayAuthorization()
        XCTAssertNil(open.refusal(.publish, requestTokens: [], setupTokens: []))
        XCTAssertNil(open.setupRefusal([.useValue(type: 0, value: [1])]))
        // Only --publish-token: subscribing stays open.
        var pubOnly = RelayAuthorization()
        pubOnly.tokens[.publish] = [pubToken]
        XCTAssertNil(pubOnly.refusal(.subscribe, requestTokens: [], setupTokens: []))
        XCTAssertNotNil(pubOnly.refusal(.publish, requestTokens: [], setupTokens: []))
    }

    // MARK: Over QUIC

    /// A publisher's PUBLISH_NAMESPACE with `parameters`; returns the publisher and the request ID.
    private func announce(_ harness: RelayHarness, _ parameters: MessageParameters,
                          configuration: MoQTSessionConfiguration = MoQTSessionConfiguration()) async throws -> (SyntheticPublisher, UInt64) {
        let publisher = SyntheticPublisher(namespace: ns)
        let (conn, _) = try await harness.connect(publisher, configuration: configuration)
        publisher.connection = conn
        let id = try await conn.perform { [ns] in try $0.publishNamespace(ns, parameters: parameters) }
        return (publisher, id)
    }

    func testPublisherAndSubscriberNeedTheirTokens() async throws {
        let harness = try await RelayHarness()
        try await harness.onLoop { [both] in harness.relay.authorization = both }

        // Publishers: none, wrong, the subscribe token: UNAUTHORIZED; the namespace is not announced.
        let refusedPublisher = CollectingSubscriber()
        let (pc, _) = try await harness.connect(refusedPublisher)
        let noToken = try await pc.perform { [ns] in try $0.publishNamespace(ns) }
        let wrong = try await pc.perform { [ns] in try $0.publishNamespace(ns, parameters: self.token(Array("nope".utf8))) }
        let crossed = try await pc.perform { [ns] in try $0.publishNamespace(ns, parameters: self.token(self.subToken)) }
        try await waitUntil { refusedPublisher.log.requestErrors.count == 3 }
        XCTAssertEqual(refusedPublisher.log.requestErrors, [noToken: .unauthorized, wrong: .unauthorized, crossed: .unauthorized])
        let announcedNothing = try await harness.onLoop { harness.relay.namespaces.isEmpty }
        XCTAssertTrue(announcedNothing)

        // The right token: announced.
        let (publisher, _) = try await announce(harness, token(pubToken))
        try await waitUntil { publisher.announced }

        // Subscribers without the subscribe token are refused and get nothing.
        let refused = CollectingSubscriber()
        let (rc, _) = try await harness.connect(refused)
        let s1 = try await rc.perform { [track] in try $0.subscribe(track) }
        let s2 = try await rc.perform { [track] in try $0.subscribe(track, parameters: self.token(self.pubToken)) }
        let f1 = try await rc.perform { [track] in
            try $0.fetch(track, start: Location(group: 0, object: 0), end: Location(group: 1, object: 0))
        }
        let ts = try await rc.perform { [track] in try $0.trackStatus(track) }
        let sn = try await rc.perform { [ns] in try $0.subscribeNamespace(ns) }
        try await waitUntil { refused.log.requestErrors.count == 5 }
        XCTAssertEqual(Set(refused.log.requestErrors.values), [.unauthorized])
        XCTAssertEqual(Set(refused.log.requestErrors.keys), [s1, s2, f1, ts, sn])

        // The right token: objects flow.
        let allowed = CollectingSubscriber()
        let (ac, _) = try await harness.connect(allowed)
        _ = try await ac.perform { [track] in try $0.subscribe(track, parameters: self.token(self.subToken)) }
        try await waitUntil { allowed.log.subscribed && !publisher.subscriptions.isEmpty }
        try await publisher.publishGroup(0, frames: 5, sizes: sizes)
        try await waitUntil { allowed.log.objects.count >= 5 }
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertTrue(refused.log.objects.isEmpty)
        XCTAssertTrue(refused.log.fetched.isEmpty)
        await harness.close()
    }

    func testSetupTokenAuthorisesTheSessionAndAWrongOneClosesIt() async throws {
        let harness = try await RelayHarness()
        try await harness.onLoop { [both] in harness.relay.authorization = both }
        var withPubToken = MoQTSessionConfiguration()
        withPubToken.setupOptions.authorizationTokens = [.useValue(type: 0, value: pubToken)]
        let (publisher, _) = try await announce(harness, MessageParameters(), configuration: withPubToken)
        try await waitUntil { publisher.announced }

        // A SETUP token the relay does not accept: session closed with UNAUTHORIZED (0x2).
        var wrong = MoQTSessionConfiguration()
        wrong.setupOptions.authorizationTokens = [.useValue(type: 0, value: Array("wrong".utf8))]
        // The client may see the close before or after its own SETUP exchange completed.
        var why = ""
        do {
            let (conn, _) = try await harness.connect(CollectingSubscriber(), configuration: wrong)
            try await waitUntil { conn.closeDescription != nil }
            why = conn.closeDescription ?? ""
        } catch {
            why = "\(error)"
        }
        XCTAssertTrue(why.contains("UNAUTHORIZED"), why)
        await harness.close()
    }

    func testNoFlagsAcceptsAnyone() async throws {
        let harness = try await RelayHarness()
        let publisher = try await harness.announcedPublisher(ns)
        let sub = CollectingSubscriber()
        let (c, _) = try await harness.connect(sub)
        // A token nobody asked for is ignored.
        _ = try await c.perform { [track] in try $0.subscribe(track, parameters: self.token(Array("whatever".utf8))) }
        try await waitUntil { sub.log.subscribed && !publisher.subscriptions.isEmpty }
        try await publisher.publishGroup(0, frames: 3, sizes: sizes)
        try await waitUntil { sub.log.objects.count >= 3 }
        await harness.close()
    }
}
