/// An extended CONNECT request for a WebTransport session (RFC 9220, draft-ietf-webtrans-http3).
public struct WebTransportConnectRequest: Equatable, Sendable {
    public var authority: String
    public var path: String
    public var origin: String?
    /// The application protocols the client offers (`WT-Available-Protocols`), in its order;
    /// empty when it offered none.
    public var availableProtocols: [String]
    /// The `:protocol` value (`webtransport` from Chromium; `webtransport-h3` in later drafts).
    public var protocolToken: String
}

/// What a server does with a request's header section.
public enum WebTransportRequestVerdict: Equatable, Sendable {
    /// A WebTransport CONNECT.
    case webTransport(WebTransportConnectRequest)
    /// A well-formed request this server does not serve: answer with this status and end the stream.
    case reject(status: Int, reason: String)
}

public enum WebTransportConnect {
    /// The `:protocol` values accepted for a WebTransport session.
    public static let protocolTokens: Set<String> = ["webtransport", "webtransport-h3"]

    /// Classifies a request's fields. A malformed request (RFC 9114 §4.1.2: a missing, repeated,
    /// unknown or late pseudo-header, an upper-case name, CONNECT's fields in the wrong shape) is
    /// H3_MESSAGE_ERROR; a well-formed request that is not a WebTransport CONNECT is rejected
    /// with a status (405 for another method, 501 for another `:protocol` or a plain CONNECT).
    public static func classify(_ fields: [HTTPField]) throws(HTTP3Error) -> WebTransportRequestVerdict {
        var pseudo: [String: String] = [:]
        var regularSeen = false
        var origin: String?
        var available: [String] = []
        for f in fields {
            if f.name.hasPrefix(":") {
                guard !regularSeen else { throw HTTP3Error(.messageError, "pseudo-header \(f.name) after a regular field") }
                guard [":method", ":scheme", ":authority", ":path", ":protocol"].contains(f.name) else {
                    throw HTTP3Error(.messageError, "unknown pseudo-header \(f.name)")
                }
                guard pseudo.updateValue(f.value, forKey: f.name) == nil else { throw HTTP3Error(.messageError, "\(f.name) repeated") }
            } else {
                regularSeen = true
                guard !f.name.isEmpty, f.name.utf8.allSatisfy({ !(0x41...0x5a).contains($0) }) else {
                    throw HTTP3Error(.messageError, "field name '\(f.name)' is not lower case")
                }
                if f.name == "origin" { origin = f.value }
                if f.name == "wt-available-protocols" { available = parseStructuredList(f.value) }
            }
        }
        guard let method = pseudo[":method"] else { throw HTTP3Error(.messageError, "no :method") }
        if method == "CONNECT", pseudo[":protocol"] == nil {
            // A plain CONNECT (a proxy tunnel) has :authority only (RFC 9114 §4.4).
            guard pseudo[":scheme"] == nil, pseudo[":path"] == nil, pseudo[":authority"] != nil else {
                throw HTTP3Error(.messageError, "CONNECT without :protocol has :scheme or :path, or lacks :authority")
            }
            return .reject(status: 501, reason: "plain CONNECT is not supported")
        }
        guard let scheme = pseudo[":scheme"], let path = pseudo[":path"], !path.isEmpty else {
            throw HTTP3Error(.messageError, "no :scheme or :path")
        }
        guard method == "CONNECT" else {
            if pseudo[":protocol"] != nil { throw HTTP3Error(.messageError, ":protocol on a \(method) request") }
            return .reject(status: 405, reason: "\(method) is not served here (WebTransport only)")
        }
        guard let proto = pseudo[":protocol"], protocolTokens.contains(proto) else {
            return .reject(status: 501, reason: "unsupported :protocol \(pseudo[":protocol"] ?? "")")
        }
        guard scheme == "https", let authority = pseudo[":authority"], !authority.isEmpty else {
            throw HTTP3Error(.messageError, "extended CONNECT needs :scheme https and :authority")
        }
        return .webTransport(WebTransportConnectRequest(authority: authority, path: path, origin: origin,
                                                        availableProtocols: available, protocolToken: proto))
    }

    /// The response to an accepted session: status 200, the draft-02 marker Chromium's server
    /// peers send, and the chosen application protocol if any (an sf-string).
    public static func acceptFields(selectedProtocol: String?) -> [HTTPField] {
        var fields = [HTTPField(":status", "200"), HTTPField("sec-webtransport-http3-draft", "draft02")]
        if let p = selectedProtocol { fields.append(HTTPField("wt-protocol", serializeString(p))) }
        return fields
    }

    /// The members of a Structured Fields list (RFC 8941) of strings or tokens, parameters dropped;
    /// members that are neither are skipped.
    public static func parseStructuredList(_ value: String) -> [String] {
        var out: [String] = []
        var chars = Array(value.unicodeScalars)[...]
        func skipSpaces() { while let c = chars.first, c == " " || c == "\t" { chars.removeFirst() } }
        while true {
            skipSpaces()
            guard let c = chars.first else { break }
            var item: String?
            if c == "\"" {
                chars.removeFirst()
                var s = ""
                var closed = false
                while let d = chars.first {
                    chars.removeFirst()
                    if d == "\\" {
                        guard let e = chars.first else { break }
                        chars.removeFirst()
                        s.unicodeScalars.append(e)
                    } else if d == "\"" {
                        closed = true
                        break
                    } else {
                        s.unicodeScalars.append(d)
                    }
                }
                if closed { item = s }
            } else {
                var s = ""
                while let d = chars.first, d != ",", d != ";", d != " " {
                    s.unicodeScalars.append(d)
                    chars.removeFirst()
                }
                if !s.isEmpty { item = s }
            }
            // Parameters and anything else up to the next comma.
            while let d = chars.first, d != "," { chars.removeFirst() }
            if let item { out.append(item) }
            guard chars.first == "," else { break }
            chars.removeFirst()
        }
        return out
    }

    /// An sf-string: quoted, with `"` and `\` escaped.
    public static func serializeString(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            if c == "\"" || c == "\\" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out + "\""
    }
}
