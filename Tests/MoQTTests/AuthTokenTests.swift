import XCTest
@testable import MoQT

/// AUTHORIZATION TOKEN aliases (draft-18 §10.2.2, §10.3.1.3-4): the receiver's token cache and
/// what the session hands the application (resolved USE_VALUE tokens only).
final class AuthTokenTests: XCTestCase {
    let ns = TrackNamespace(strings: ["auth"])
    var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }
    let secret: [UInt8] = Array("s3cret".utf8)

    func params(_ tokens: AuthorizationToken...) -> MessageParameters {
        var p = MessageParameters()
        p.authorizationTokens = tokens
        return p
    }

    // MARK: The cache alone

    func testRegisterUseDeleteResolveToValues() throws {
        var c = AuthTokenCache(limit: 100)
        XCTAssertEqual(try c.resolve([.register(alias: 1, type: 0, value: secret)]), [.useValue(type: 0, value: secret)])
        XCTAssertEqual(c.size, 16 + 6)
        XCTAssertEqual(try c.resolve([.useAlias(alias: 1), .useValue(type: 5, value: [1])]),
                       [.useValue(type: 0, value: secret), .useValue(type: 5, value: [1])])
        XCTAssertEqual(try c.resolve([.delete(alias: 1)]), [])
        XCTAssertEqual(c.size, 0)
        XCTAssertEqual(c.count, 0)
        // A deleted alias may be registered again.
        XCTAssertEqual(try c.resolve([.register(alias: 1, type: 0, value: [9])]), [.useValue(type: 0, value: [9])])
    }

    func testAliasErrorsAreTheDraftsSessionCodes() {
        var c = AuthTokenCache(limit: 40)
        XCTAssertThrowsError(try c.resolve([.useAlias(alias: 7)])) { XCTAssertEqual(($0 as? MoQTError)?.code, .unknownAuthTokenAlias) }
        XCTAssertThrowsError(try c.resolve([.delete(alias: 7)])) { XCTAssertEqual(($0 as? MoQTError)?.code, .unknownAuthTokenAlias) }
        XCTAssertNoThrow(try c.resolve([.register(alias: 1, type: 0, value: secret)]))
        XCTAssertThrowsError(try c.resolve([.register(alias: 1, type: 0, value: [1])])) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .duplicateAuthTokenAlias)
        }
        // 22 bytes used; another 16 + 6 = 22 exceeds 40.
        XCTAssertThrowsError(try c.resolve([.register(alias: 2, type: 0, value: secret)])) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .authTokenCacheOverflow)
        }
        // The default limit is 0: no aliases at all.
        var none = AuthTokenCache(limit: 0)
        XCTAssertThrowsError(try none.resolve([.register(alias: 1, type: 0, value: [])])) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .authTokenCacheOverflow)
        }
    }

    func testSetupRegisterBeyondTheLimitIsUsedAsAValue() {
        var c = AuthTokenCache(limit: 0)
        XCTAssertEqual(c.resolveSetup([.register(alias: 1, type: 0, value: secret)]), [.useValue(type: 0, value: secret)])
        XCTAssertEqual(c.count, 0)
        var roomy = AuthTokenCache(limit: 64)
        _ = roomy.resolveSetup([.register(alias: 1, type: 0, value: secret)])
        XCTAssertEqual(try roomy.resolve([.useAlias(alias: 1)]), [.useValue(type: 0, value: secret)])
    }

    // MARK: In a session

    func pair(serverCache: UInt64?, clientTokens: [AuthorizationToken] = []) throws -> SessionPair {
        var client = SetupOptions(path: "/live", authority: "relay.test", implementation: "test-client")
        client.authorizationTokens = clientTokens
        var server = SetupOptions(implementation: "test-server")
        server.maxAuthTokenCacheSize = serverCache
        let p = SessionPair(seed: 41, clientConfig: MoQTSessionConfiguration(setupOptions: client),
                            serverConfig: MoQTSessionConfiguration(setupOptions: server))
        try p.start()
        return p
    }

    func testServerSeesResolvedTokensOnRequests() throws {
        let p = try pair(serverCache: 1024)
        _ = try p.client.subscribe(track, parameters: params(.register(alias: 3, type: 0, value: secret)))
        p.run()
        _ = try p.client.publishNamespace(ns, parameters: params(.useAlias(alias: 3)))
        p.run()
        _ = try p.client.fetch(track, start: Location(group: 0, object: 0), end: Location(group: 1, object: 0),
                               parameters: params(.useValue(type: 0, value: [1, 2])))
        p.run()
        let tokens: [[AuthorizationToken]] = p.serverEvents.compactMap {
            switch $0 {
            case .subscribeRequested(_, let s): return s.parameters.authorizationTokens
            case .publishNamespaceRequested(_, let m): return m.parameters.authorizationTokens
            case .fetchRequested(_, let f): return f.parameters.authorizationTokens
            default: return nil
            }
        }
        XCTAssertEqual(tokens, [[.useValue(type: 0, value: secret)], [.useValue(type: 0, value: secret)], [.useValue(type: 0, value: [1, 2])]])
        XCTAssertFalse(p.server.isClosed)
    }

    func testRegisterWithoutACacheClosesWithOverflow() throws {
        let p = try pair(serverCache: nil)
        _ = try p.client.subscribe(track, parameters: params(.register(alias: 1, type: 0, value: secret)))
        p.run()
        XCTAssertEqual(p.server.state, .closed(.authTokenCacheOverflow))
    }

    func testUnknownAliasClosesTheSession() throws {
        let p = try pair(serverCache: 1024)
        _ = try p.client.publishNamespace(ns, parameters: params(.useAlias(alias: 9)))
        p.run()
        XCTAssertEqual(p.server.state, .closed(.unknownAuthTokenAlias))
    }

    func testSetupTokensReachTheApplicationResolved() throws {
        let p = try pair(serverCache: nil, clientTokens: [.register(alias: 1, type: 0, value: secret)])
        guard case .ready(let options)? = p.serverEvents.first else { return XCTFail("server not ready") }
        XCTAssertEqual(options.authorizationTokens, [.useValue(type: 0, value: secret)])
        XCTAssertEqual(p.server.peerSetupOptions?.authorizationTokens, [.useValue(type: 0, value: secret)])
    }
}
