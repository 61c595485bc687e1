import Foundation
import MoQT

/// Which requests need a token (`moq-relay --publish-token FILE` / `--subscribe-token FILE`) and
/// whether a session's tokens grant them (draft-18 §10.2.2, §10.3.1.4). Sans-I/O: the relay asks
/// it per request.
///
/// Tokens are opaque byte strings of Token Type 0 ("negotiated out-of-band", §10.2.2). A token in
/// the client's SETUP authorises every request of its role on that session; a token on a request
/// authorises that request. Comparison takes the same time whatever the bytes.
public struct RelayAuthorization: Sendable {
    /// What a request asks to do.
    public enum Role: String, Sendable, CaseIterable {
        /// PUBLISH_NAMESPACE, PUBLISH.
        case publish
        /// SUBSCRIBE, FETCH, TRACK_STATUS, SUBSCRIBE_NAMESPACE, SUBSCRIBE_TRACKS.
        case subscribe
    }

    /// The accepted tokens per role; a role without an entry is open to anyone.
    public var tokens: [Role: [[UInt8]]] = [:]

    /// Everything open (no flags).
    public init() {}

    /// Whether any role needs a token.
    public var isEnabled: Bool { !tokens.isEmpty }

    /// The accepted tokens of a token file: one per line (surrounding whitespace trimmed); blank
    /// lines and lines starting with `#` are ignored.
    public static func parseTokens(_ text: String) -> [[UInt8]] {
        text.split(omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            .map { Array($0.utf8) }
    }

    /// Why a token file cannot be used.
    public struct FileError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Reads a token file; a missing, unreadable or token-less file is an error naming `flag`.
    public static func loadTokens(path: String, flag: String) throws -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FileError(description: "\(flag) \(path): cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileError(description: "\(flag) \(path): not UTF-8 text")
        }
        let tokens = parseTokens(text)
        if tokens.isEmpty { throw FileError(description: "\(flag) \(path): no token in the file (one token per line; # starts a comment)") }
        return tokens
    }

    /// Which request events need which role; nil for events that are not requests to authorise.
    public static func role(of event: MoQTSessionEvent) -> (role: Role, requestID: UInt64, message: String, tokens: [AuthorizationToken])? {
        switch event {
        case .publishNamespaceRequested(let id, let m): return (.publish, id, "PUBLISH_NAMESPACE", m.parameters.authorizationTokens)
        case .publishRequested(let id, let m): return (.publish, id, "PUBLISH", m.parameters.authorizationTokens)
        case .subscribeRequested(let id, let m): return (.subscribe, id, "SUBSCRIBE", m.parameters.authorizationTokens)
        case .fetchRequested(let id, let m): return (.subscribe, id, "FETCH", m.parameters.authorizationTokens)
        case .trackStatusRequested(let id, let m): return (.subscribe, id, "TRACK_STATUS", m.parameters.authorizationTokens)
        case .subscribeNamespaceRequested(let id, let m): return (.subscribe, id, "SUBSCRIBE_NAMESPACE", m.parameters.authorizationTokens)
        case .subscribeTracksRequested(let id, let m): return (.subscribe, id, "SUBSCRIBE_TRACKS", m.parameters.authorizationTokens)
        default: return nil
        }
    }

    /// The roles `token` grants (resolved tokens only: USE_VALUE of type 0).
    public func roles(of token: AuthorizationToken) -> Set<Role> {
        guard case .useValue(let type, let value) = token, type == 0 else { return [] }
        var granted = Set<Role>()
        for (role, accepted) in tokens where Self.contains(accepted, value) { granted.insert(role) }
        return granted
    }

    /// Whether the SETUP's tokens are acceptable: with tokens required for some role, a SETUP
    /// token that grants nothing is refused (session UNAUTHORIZED, §3.5). No SETUP token is fine.
    public func setupRefusal(_ setupTokens: [AuthorizationToken]) -> String? {
        guard isEnabled else { return nil }
        for t in setupTokens where roles(of: t).isEmpty {
            if case .useValue(let type, _) = t, type != 0 { return "AUTHORIZATION TOKEN of type \(type) in SETUP (only type 0 is accepted)" }
            return "AUTHORIZATION TOKEN in SETUP not accepted"
        }
        return nil
    }

    /// Nil when a request of `role` carrying `requestTokens` on a session whose SETUP carried
    /// `setupTokens` may go ahead; otherwise the reason for REQUEST_ERROR UNAUTHORIZED.
    public func refusal(_ role: Role, requestTokens: [AuthorizationToken], setupTokens: [AuthorizationToken]) -> String? {
        guard tokens[role] != nil else { return nil }
        var granted = false
        for t in setupTokens + requestTokens where roles(of: t).contains(role) { granted = true }
        if granted { return nil }
        if requestTokens.isEmpty && setupTokens.isEmpty { return "no AUTHORIZATION TOKEN (this relay requires one to \(role.rawValue))" }
        if let t = requestTokens.first, case .useValue(let type, _) = t, type != 0 {
            return "AUTHORIZATION TOKEN of type \(type) not accepted (only type 0)"
        }
        return "AUTHORIZATION TOKEN not accepted to \(role.rawValue)"
    }

    /// Whether `value` is among `accepted`, looking at every byte of every candidate.
    static func contains(_ accepted: [[UInt8]], _ value: [UInt8]) -> Bool {
        var found = false
        for a in accepted { found = constantTimeEqual(a, value) || found }
        return found
    }

    /// Byte-string equality whose time depends only on the lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            diff |= x ^ y
        }
        return diff == 0
    }
}
