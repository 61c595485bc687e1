extension Draft18 {
    // MARK: URI syntax of the PATH and AUTHORITY setup options (§10.3.1.1, §10.3.1.2, RFC 3986 §3)

    /// Whether `path` is what the PATH option may carry: a `path-abempty`, optionally followed
    /// by `?` and a `query` (RFC 3986 §3.3, §3.4). Only the URI character set is allowed; other
    /// bytes must be percent-encoded.
    public static func isValidSetupPath(_ path: String) -> Bool {
        let bytes = Array(path.utf8)
        let queryStart = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.count
        let pathPart = bytes[..<queryStart]
        // path-abempty = *( "/" segment ): empty, or starting with "/".
        if let first = pathPart.first, first != UInt8(ascii: "/") { return false }
        guard URIChars.matches(pathPart, extra: "/") else { return false }
        guard queryStart < bytes.count else { return true }
        // query = *( pchar / "/" / "?" )
        return URIChars.matches(bytes[(queryStart + 1)...], extra: "/?")
    }

    /// Whether `authority` is an RFC 3986 §3.2 `authority`: `[ userinfo "@" ] host [ ":" port ]`,
    /// the host a reg-name, an IPv4 address or a bracketed IPv6 address / IPvFuture literal.
    public static func isValidAuthority(_ authority: String) -> Bool {
        var rest = Array(authority.utf8)[...]
        if let at = rest.firstIndex(of: UInt8(ascii: "@")) {
            // userinfo = *( unreserved / pct-encoded / sub-delims / ":" )
            guard URIChars.matches(rest[..<at], extra: ":", pcharExtras: false) else { return false }
            rest = rest[(at + 1)...]
        }
        let hostEnd: ArraySlice<UInt8>.Index
        if rest.first == UInt8(ascii: "[") {
            guard let close = rest.firstIndex(of: UInt8(ascii: "]")) else { return false }
            guard isValidIPLiteral(rest[(rest.startIndex + 1)..<close]) else { return false }
            hostEnd = close + 1
        } else {
            hostEnd = rest.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            // reg-name = *( unreserved / pct-encoded / sub-delims ); IPv4address is one too.
            guard URIChars.matches(rest[..<hostEnd], extra: "", pcharExtras: false) else { return false }
        }
        let tail = rest[hostEnd...]
        guard let colon = tail.first else { return true }
        // port = *DIGIT
        return colon == UInt8(ascii: ":") && tail.dropFirst().allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// IPv6address / IPvFuture, the content of an IP-literal's brackets (RFC 3986 §3.2.2).
    static func isValidIPLiteral(_ b: ArraySlice<UInt8>) -> Bool {
        if let v = b.first, v == UInt8(ascii: "v") || v == UInt8(ascii: "V") {
            // IPvFuture = "v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )
            let body = b.dropFirst()
            guard let dot = body.firstIndex(of: UInt8(ascii: ".")), dot > body.startIndex,
                  body[..<dot].allSatisfy(URIChars.isHex), dot + 1 < body.endIndex else { return false }
            return URIChars.matches(body[(dot + 1)...], extra: ":", pcharExtras: false, percent: false)
        }
        return isValidIPv6(b)
    }

    /// RFC 3986 IPv6address: eight h16 groups, or fewer with one "::", the last 32 bits possibly
    /// an IPv4address.
    static func isValidIPv6(_ b: ArraySlice<UInt8>) -> Bool {
        let s = Array(b)
        var halves: [String] = []
        var start = 0
        var i = 0
        while i + 1 < s.count {
            if s[i] == UInt8(ascii: ":") && s[i + 1] == UInt8(ascii: ":") {
                halves.append(String(decoding: s[start..<i], as: UTF8.self))
                i += 2
                start = i
            } else {
                i += 1
            }
        }
        halves.append(String(decoding: s[start...], as: UTF8.self))
        guard halves.count <= 2 else { return false }
        var groups = 0
        for (i, half) in halves.enumerated() where !half.isEmpty {
            let parts = half.split(separator: ":", omittingEmptySubsequences: false)
            for (j, part) in parts.enumerated() {
                let isLast = i == halves.count - 1 && j == parts.count - 1
                if isLast && part.contains(".") {
                    guard isValidIPv4(Substring(part)) else { return false }
                    groups += 2
                } else {
                    guard (1...4).contains(part.utf8.count), part.utf8.allSatisfy(URIChars.isHex) else { return false }
                    groups += 1
                }
            }
        }
        return halves.count == 2 ? groups <= 7 : groups == 8
    }

    /// dec-octet "." dec-octet "." dec-octet "." dec-octet (no leading zeros).
    static func isValidIPv4(_ s: Substring) -> Bool {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        return octets.allSatisfy { o in
            guard (1...3).contains(o.utf8.count), o.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
                  o.utf8.count == 1 || o.utf8.first != UInt8(ascii: "0"), let v = Int(o) else { return false }
            return v <= 255
        }
    }

    /// Character classes of RFC 3986 §2.
    enum URIChars {
        static func isHex(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
        }

        /// ALPHA / DIGIT / "-" / "." / "_" / "~"
        static func isUnreserved(_ c: UInt8) -> Bool {
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || "-._~".utf8.contains(c)
        }

        /// "!" / "$" / "&" / "'" / "(" / ")" / "*" / "+" / "," / ";" / "="
        static func isSubDelim(_ c: UInt8) -> Bool { "!$&'()*+,;=".utf8.contains(c) }

        /// Every byte is unreserved, a sub-delim, a pct-encoded triplet (with `percent`), ":" or
        /// "@" (with `pcharExtras`, making the class pchar), or one of `extra`.
        static func matches(_ b: ArraySlice<UInt8>, extra: String, pcharExtras: Bool = true, percent: Bool = true) -> Bool {
            var i = b.startIndex
            while i < b.endIndex {
                let c = b[i]
                if c == UInt8(ascii: "%") {
                    guard percent, i + 2 < b.endIndex, isHex(b[i + 1]), isHex(b[i + 2]) else { return false }
                    i += 3
                    continue
                }
                let ok = isUnreserved(c) || isSubDelim(c) || extra.utf8.contains(c)
                    || (pcharExtras && (c == UInt8(ascii: ":") || c == UInt8(ascii: "@")))
                guard ok else { return false }
                i += 1
            }
            return true
        }
    }
}
