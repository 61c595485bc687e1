import XCTest
import Wire
@testable import MoQT

/// Answers to the hostile-input catalogue's control-stream and SETUP cases (docs/HOSTILE-INPUT.md),
/// checked on a `SessionPair`.
final class HostileInputSessionTests: XCTestCase {
    let track = FullTrackName(namespace: TrackNamespace(strings: ["h"]), name: "t")
    let clientControl: UInt64 = 2

    func ready(seed: UInt64, clientOptions: SetupOptions? = nil) throws -> SessionPair {
        let p = clientOptions.map { SessionPair(seed: seed, clientConfig: MoQTSessionConfiguration(setupOptions: $0)) } ?? SessionPair(seed: seed)
        try p.start()
        return p
    }

    /// The server closed with `code`, and the client learnt it.
    func assertServerClosed(_ p: SessionPair, _ code: SessionErrorCode, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(p.server.state, .closed(code), file: file, line: line)
        XCTAssertEqual(p.serverTransport.closed?.code, code.rawValue, file: file, line: line)
        XCTAssertTrue(p.client.isClosed, file: file, line: line)
    }

    // MARK: GOAWAY (§10.4)

    /// A client's GOAWAY names the smallest server (odd) request ID it did not process: an even
    /// one is INVALID_REQUEST_ID.
    func testClientGoAwayWithAnEvenRequestIDIsInvalidRequestID() throws {
        let p = try ready(seed: 1)
        p.clientTransport.inject(Draft18.ControlMessage.goAway(Draft18.GoAway(requestID: 2)).encoded(), on: clientControl)
        p.run()
        assertServerClosed(p, .invalidRequestID)
    }

    func testClientGoAwayWithAnOddRequestIDIsAccepted() throws {
        let p = try ready(seed: 2)
        try p.client.goAway(now: 0)
        p.run()
        XCTAssertTrue(p.server.isReady)
        XCTAssertEqual(p.server.receivedGoAway?.requestID, 1)
    }

    /// A server's GOAWAY names a client (even) request ID: an odd one is INVALID_REQUEST_ID.
    func testServerGoAwayWithAnOddRequestIDIsInvalidRequestID() throws {
        let p = try ready(seed: 3)
        p.serverTransport.inject(Draft18.ControlMessage.goAway(Draft18.GoAway(requestID: 3)).encoded(), on: 3)
        p.run()
        XCTAssertEqual(p.client.state, .closed(.invalidRequestID))
        XCTAssertEqual(p.clientTransport.closed?.code, SessionErrorCode.invalidRequestID.rawValue)
    }

    // MARK: PATH and AUTHORITY (§10.3.1)

    func testPathThatIsNotAPathAbemptyIsMalformedPath() throws {
        let p = try ready(seed: 4, clientOptions: SetupOptions(path: "no-leading-slash", implementation: "c"))
        assertServerClosed(p, .malformedPath)
    }

    func testMalformedAuthorityIsMalformedAuthority() throws {
        let p = try ready(seed: 5, clientOptions: SetupOptions(authority: "bad host:port:x", implementation: "c"))
        assertServerClosed(p, .malformedAuthority)
    }

    func testWellFormedPathAndAuthorityAreAccepted() throws {
        let p = try ready(seed: 6, clientOptions: SetupOptions(path: "/live/a%20b?x=1&y=/z", authority: "user@[2001:db8::1]:4443", implementation: "c"))
        XCTAssertTrue(p.server.isReady)
        XCTAssertEqual(p.server.peerSetupOptions?.path, "/live/a%20b?x=1&y=/z")
    }

    func testPathSyntax() {
        for ok in ["", "/", "/a/b", "//x", "/a:b@c", "/%2F", "?q", "/p?q=/?", "/~user/!$&'()*+,;="] {
            XCTAssertTrue(Draft18.isValidSetupPath(ok), ok)
        }
        for bad in ["a", "no-leading-slash", "/a b", "/a#frag", "/%2", "/%zz", "/é", "/a\\b", "/<>", "/a?q#f"] {
            XCTAssertFalse(Draft18.isValidSetupPath(bad), bad)
        }
    }

    func testAuthoritySyntax() {
        for ok in ["", "relay.example", "relay.example:443", "127.0.0.1:4443", "host:", "u:p@host:1", "%41bc",
                   "[::1]", "[::1]:443", "[2001:db8:0:0:0:0:0:1]", "[::ffff:192.0.2.1]", "[v1.fe80::a+en1]", "[1:2:3:4:5:6:7::]"] {
            XCTAssertTrue(Draft18.isValidAuthority(ok), ok)
        }
        for bad in ["bad host:port:x", "host:port", "host:1:2", "a@b@c", "[::1", "[::1]x", "[:::1]", "[1:2:3:4:5:6:7:8:9]",
                    "[1::2::3]", "[12345::]", "[::256.0.0.1]", "[v.x]", "::1", "host/path", "h%4"] {
            XCTAssertFalse(Draft18.isValidAuthority(bad), bad)
        }
    }

    // MARK: AUTHORIZATION TOKEN in SETUP (§10.2.2)

    func testTokenAliasTypeDeleteInClientSetupIsAViolation() throws {
        var o = SetupOptions(implementation: "c")
        o.authorizationTokens = [.delete(alias: 1)]
        let p = try ready(seed: 7, clientOptions: o)
        assertServerClosed(p, .protocolViolation)
    }

    func testTokenAliasTypeUseAliasInClientSetupIsAViolation() throws {
        var o = SetupOptions(implementation: "c")
        o.authorizationTokens = [.useAlias(alias: 1)]
        let p = try ready(seed: 8, clientOptions: o)
        assertServerClosed(p, .protocolViolation)
    }

    func testTokenRegisterAndUseValueInClientSetupAreAccepted() throws {
        var o = SetupOptions(implementation: "c")
        o.authorizationTokens = [.register(alias: 1, type: 0, value: [1, 2]), .useValue(type: 0, value: [3])]
        let p = try ready(seed: 9, clientOptions: o)
        XCTAssertTrue(p.server.isReady && p.client.isReady)
    }

    // MARK: Parameter scope (§10.2.1)

    /// LARGEST_OBJECT is not a SUBSCRIBE parameter: PROTOCOL_VIOLATION by default.
    func testOutOfScopeParameterInSubscribeIsAViolation() throws {
        let p = try ready(seed: 10)
        var params = MessageParameters()
        params.largestObject = Location(group: 1, object: 0)
        _ = try p.client.subscribe(track, parameters: params)
        p.run()
        assertServerClosed(p, .protocolViolation)
    }

    func testDefaultScopeRejectsOutOfScopeParametersButToleratesDeployedOnes() throws {
        var w = ByteWriter()
        var params = MessageParameters()
        params.largestObject = Location(group: 1, object: 0)
        Draft18.Subscribe(requestID: 0, track: track, parameters: params).encodePayload(into: &w)
        var r = ByteReader(w.bytes)
        XCTAssertThrowsError(try Draft18.Subscribe.decodePayload(&r)) { XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation) }
        var lenient = ByteReader(w.bytes)
        XCTAssertEqual(try Draft18.Subscribe.decodePayload(&lenient, options: .lenient).parameters.largestObject, Location(group: 1, object: 0))
        // GROUP_ORDER in SUBSCRIBE_OK (deployed peers): tolerated by default, not in strict mode.
        var ok = MessageParameters()
        ok.groupOrder = .descending
        var w2 = ByteWriter()
        Draft18.SubscribeOK(trackAlias: 1, parameters: ok).encodePayload(into: &w2)
        var r2 = ByteReader(w2.bytes)
        XCTAssertEqual(try Draft18.SubscribeOK.decodePayload(&r2).parameters.groupOrder, .descending)
        var r3 = ByteReader(w2.bytes)
        XCTAssertThrowsError(try Draft18.SubscribeOK.decodePayload(&r3, options: .strict))
    }

    // MARK: Control stream reset (§3.3)

    /// RESET_STREAM on the peer's control stream after its SETUP was read closes the session.
    func testResetOfThePeerControlStreamIsAViolation() throws {
        let p = try ready(seed: 11)
        p.server.handleStreamReset(streamID: clientControl, errorCode: 0x1)
        p.run()
        assertServerClosed(p, .protocolViolation)
    }

    /// A unidirectional stream reset before any of its bytes were read (QUIC may discard unread
    /// data on RESET_STREAM) cannot be told from a data stream: it is forgotten, and a peer whose
    /// SETUP was lost that way is closed by the SETUP timeout instead.
    func testStreamResetBeforeItsTypeWasReadLeavesTheSetupTimeout() throws {
        var config = MoQTSessionConfiguration(setupOptions: SetupOptions(implementation: "s"))
        config.setupTimeout = 1_000_000
        let transport = SessionMemoryTransport(isClient: false)
        let server = MoQTSession(role: .server, transport: transport, configuration: config)
        try server.start(now: 0)
        server.handleStreamOpened(streamID: clientControl, bidirectional: false)
        server.handleStreamReset(streamID: clientControl, errorCode: 0x1)
        XCTAssertFalse(server.isClosed)
        server.handleTimeout(now: 1_000_000)
        XCTAssertEqual(server.state, .closed(.controlMessageTimeout))
    }
}
