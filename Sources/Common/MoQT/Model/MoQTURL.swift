/// A `moqt://` URI (draft-18 §3.1.1): `moqt://authority path-abempty [?query] [#fragment]`.
///
/// On native QUIC the client sends the authority as the AUTHORITY setup option and the path plus
/// `?query` as PATH (§3.1.4, §10.3.1); the fragment stays local.
public struct MoQTURL: Hashable, Sendable, CustomStringConvertible {
    /// The port used when the URI names none.
    public static let defaultPort: UInt16 = 443

    /// The authority exactly as written (`[userinfo@]host[:port]`).
    public let authority: String
    /// The host: a name, an IPv4 address, or an IPv6 address without brackets.
    public let host: String
    /// The port (443 when absent).
    public let port: UInt16
    /// The path, empty or starting with `/`.
    public let path: String
    /// The query without `?`, if any.
    public let query: String?
    /// The fragment without `#`, if any (never sent to the server).
    public let fragment: String?

    /// Parses `string`; nil unless it is a `moqt://` URI with a non-empty host and a valid port.
    public init?(string: String) {
        let prefix = "moqt://"
        guard string.lowercased().hasPrefix(prefix) else { return nil }
        var rest = Substring(string.dropFirst(prefix.count))
        var fragment: String?
        if let i = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: i)...])
            rest = rest[..<i]
        }
        var query: String?
        if let i = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: i)...])
            rest = rest[..<i]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        let path = String(rest[authorityEnd...])
        // Host and port, after any userinfo.
        var hostPort = Substring(authority)
        if let at = hostPort.lastIndex(of: "@") { hostPort = hostPort[hostPort.index(after: at)...] }
        var host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return nil }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
        } else {
            host = hostPort
        }
        guard !host.isEmpty, !host.contains(where: { $0 == " " }) else { return nil }
        var port = MoQTURL.defaultPort
        if let p = portText, !p.isEmpty {
            guard p.allSatisfy(\.isASCII), let v = UInt16(p) else { return nil }
            port = v
        }
        self.authority = authority
        self.host = String(host)
        self.port = port
        self.path = path
        self.query = query
        self.fragment = fragment
    }

    /// The PATH setup option: path-abempty, plus `?query` when there is a query.
    public var setupPath: String { query.map { path + "?" + $0 } ?? path }

    /// The setup options a native-QUIC client sends for this URI.
    public func setupOptions(implementation: String? = nil) -> SetupOptions {
        SetupOptions(path: setupPath, authority: authority, implementation: implementation)
    }

    /// The URI text.
    public var description: String {
        "moqt://" + authority + setupPath + (fragment.map { "#" + $0 } ?? "")
    }
}
