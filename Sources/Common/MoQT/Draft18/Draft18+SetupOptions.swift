import Wire

extension Draft18 {
    /// The options as Key-Value-Pairs.
    static func setupPairs(_ o: SetupOptions) -> [KeyValuePair] {
        var pairs: [KeyValuePair] = []
        if let v = o.path { pairs.append(KeyValuePair(type: SetupOptionType.path.rawValue, bytes: Array(v.utf8))) }
        for t in o.authorizationTokens { pairs.append(KeyValuePair(type: SetupOptionType.authorizationToken.rawValue, bytes: encodeToken(t))) }
        if let v = o.maxAuthTokenCacheSize { pairs.append(KeyValuePair(type: SetupOptionType.maxAuthTokenCacheSize.rawValue, integer: v)) }
        if let v = o.authority { pairs.append(KeyValuePair(type: SetupOptionType.authority.rawValue, bytes: Array(v.utf8))) }
        if let v = o.maxFilterRanges { pairs.append(KeyValuePair(type: SetupOptionType.maxFilterRanges.rawValue, integer: v)) }
        if let v = o.implementation { pairs.append(KeyValuePair(type: SetupOptionType.implementation.rawValue, bytes: Array(v.utf8))) }
        if let v = o.maxRequestUpdates { pairs.append(KeyValuePair(type: SetupOptionType.maxRequestUpdates.rawValue, integer: v)) }
        return pairs + o.unknown
    }

    /// Interprets SETUP's Key-Value-Pairs: known options may not repeat (except tokens,
    /// PROTOCOL_VIOLATION); a PATH that is not UTF-8 or not a path-abempty (plus an optional
    /// "?" query), or an AUTHORITY that is not UTF-8 or not an RFC 3986 authority, is
    /// MALFORMED_PATH / MALFORMED_AUTHORITY (§10.3.1); unknown options are kept.
    static func setupOptions(from pairs: [KeyValuePair]) throws -> SetupOptions {
        var o = SetupOptions()
        var seen = Set<UInt64>()
        for pair in pairs {
            guard let type = SetupOptionType(rawValue: pair.type) else {
                o.unknown.append(pair)
                continue
            }
            if type != .authorizationToken {
                guard seen.insert(pair.type).inserted else { throw MoQTError.protocolViolation("duplicate setup option \(type)") }
            }
            switch (type, pair.value) {
            case (.path, .bytes(let b)):
                guard let s = String(validatingUTF8Bytes: b) else { throw MoQTError(.malformedPath, "PATH is not UTF-8") }
                guard isValidSetupPath(s) else { throw MoQTError(.malformedPath, "PATH is not a path-abempty [\"?\" query]") }
                o.path = s
            case (.authority, .bytes(let b)):
                guard let s = String(validatingUTF8Bytes: b) else { throw MoQTError(.malformedAuthority, "AUTHORITY is not UTF-8") }
                guard isValidAuthority(s) else { throw MoQTError(.malformedAuthority, "AUTHORITY is not an RFC 3986 authority") }
                o.authority = s
            case (.implementation, .bytes(let b)):
                o.implementation = try utf8String(b, "MOQT_IMPLEMENTATION")
            case (.authorizationToken, .bytes(let b)):
                o.authorizationTokens.append(try decodeToken(b))
            case (.maxAuthTokenCacheSize, .integer(let v)):
                o.maxAuthTokenCacheSize = v
            case (.maxFilterRanges, .integer(let v)):
                o.maxFilterRanges = v
            case (.maxRequestUpdates, .integer(let v)):
                o.maxRequestUpdates = v
            default:
                // Parity guarantees the shape; kept for exhaustiveness.
                throw MoQTError.keyValueFormatting("setup option \(type) has the wrong value shape")
            }
        }
        return o
    }
}
