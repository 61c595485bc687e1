import Wire

extension Draft18 {
    /// Appends "Number of Parameters" and the parameters in ascending type order (§10.2), in
    /// `draft`'s encoding. At draft-22 the subscription filter is written as a LOCATION_FILTER
    /// (`locationFilter` overrides it: FETCH carries its range there), and INCLUDE_PROPERTIES and
    /// FILL_PARAMETERS exist; at draft-18 those two are never written.
    static func writeParameters(_ p: MessageParameters, into w: inout ByteWriter, draft: MoQTDraft = .draft18,
                                locationFilter: Draft22.LocationFilter? = nil) {
        var body = ByteWriter()
        var count = 0
        var previous: UInt64 = 0
        func head(_ t: ParameterType) {
            body.writeVI64(t.rawValue - previous)
            previous = t.rawValue
            count += 1
        }
        if let v = p.objectDeliveryTimeout { head(.objectDeliveryTimeout); body.writeVI64(v) }
        for token in p.authorizationTokens {
            head(.authorizationToken)
            body.writeVI64Prefixed(encodeToken(token))
        }
        if let v = p.rendezvousTimeout { head(.rendezvousTimeout); body.writeVI64(v) }
        if let v = p.subgroupDeliveryTimeout { head(.subgroupDeliveryTimeout); body.writeVI64(v) }
        if let v = p.expires { head(.expires); body.writeVI64(v) }
        if let v = p.largestObject { head(.largestObject); writeLocation(v, into: &body) }
        if let v = p.fillTimeout { head(.fillTimeout); body.writeVI64(v) }
        if let v = p.forward { head(.forward); body.writeUInt8(v ? 1 : 0) }
        if let v = p.subscriberPriority { head(.subscriberPriority); body.writeUInt8(v) }
        if draft == .draft22 {
            if let f = locationFilter ?? p.subscriptionFilter.map(Draft22.LocationFilter.init) {
                head(.subscriptionFilter)
                f.encode(into: &body)
            }
        } else if let v = p.subscriptionFilter {
            head(.subscriptionFilter)
            body.writeVI64Prefixed(encodeFilter(v))
        }
        if let v = p.groupOrder { head(.groupOrder); body.writeUInt8(v.rawValue) }
        if draft == .draft22, let v = p.fillParameters { head(.fillParameters); body.writeVI64Prefixed(v) }
        if draft == .draft22 {
            for f in p.rangeFilters.sorted(by: { $0.kind.rawValue < $1.kind.rawValue }) {
                head(ParameterType(rawValue: f.kind.rawValue)!)
                body.writeVI64Prefixed(f.encodedValue)
            }
        }
        if let v = p.newGroupRequest { head(.newGroupRequest); body.writeVI64(v) }
        if let v = p.trackNamespacePrefix { head(.trackNamespacePrefix); writeNamespace(v, into: &body) }
        if draft == .draft22, let v = p.includeProperties { head(.includeProperties); body.writeUInt8(v ? 1 : 0) }
        w.writeVI64(UInt64(count))
        w.writeBytes(body.bytes)
    }

    /// Reads "Number of Parameters" and the parameters, accepting only the types in `allowed`.
    ///
    /// Unknown types, types not allowed in `message`, repeats (except AUTHORIZATION_TOKEN) and
    /// out-of-range values are PROTOCOL_VIOLATION; a length-prefixed value whose content does not
    /// parse is KEY_VALUE_FORMATTING_ERROR.
    static func readParameters(_ r: inout ByteReader, allowed: Set<ParameterType>, message: String,
                               draft: MoQTDraft = .draft18) throws -> MessageParameters {
        var ignored: Draft22.LocationFilter?
        return try readParameters(&r, allowed: allowed, message: message, draft: draft, locationFilter: &ignored)
    }

    /// `readParameters`, also handing out a draft-22 LOCATION_FILTER as it was on the wire.
    static func readParameters(_ r: inout ByteReader, allowed: Set<ParameterType>, message: String,
                               draft: MoQTDraft, locationFilter: inout Draft22.LocationFilter?) throws -> MessageParameters {
        var c = r
        let count = try c.readVI64()
        // Each parameter takes at least two bytes.
        guard count <= UInt64(c.remaining) else { throw DecodeError.needMoreData }
        var p = MessageParameters()
        var previous: UInt64 = 0
        var seen = Set<ParameterType>()
        for _ in 0..<Int(count) {
            let delta = try c.readVI64()
            let (raw, overflow) = previous.addingReportingOverflow(delta)
            if overflow { throw MoQTError.protocolViolation("parameter type delta overflows 2^64-1") }
            previous = raw
            guard let type = ParameterType(rawValue: raw), type.isDefined(in: draft) else {
                throw MoQTError.protocolViolation("unknown parameter 0x\(String(raw, radix: 16)) in \(message)")
            }
            guard allowed.contains(type) else { throw MoQTError.protocolViolation("parameter \(type) not allowed in \(message)") }
            if type != .authorizationToken, RangeFilter.Kind(rawValue: type.rawValue) == nil {
                guard seen.insert(type).inserted else { throw MoQTError.protocolViolation("duplicate parameter \(type) in \(message)") }
            }
            switch type {
            case .objectDeliveryTimeout: p.objectDeliveryTimeout = try c.readVI64()
            case .authorizationToken:
                let bytes = try readLengthPrefixed(&c, max: maxMessagePayload, "authorization token")
                p.authorizationTokens.append(try decodeToken(bytes))
            case .rendezvousTimeout: p.rendezvousTimeout = try c.readVI64()
            case .subgroupDeliveryTimeout: p.subgroupDeliveryTimeout = try c.readVI64()
            case .expires: p.expires = try c.readVI64()
            case .largestObject: p.largestObject = try readLocation(&c)
            case .fillTimeout: p.fillTimeout = try c.readVI64()
            case .forward: p.forward = try readFlag(&c, "FORWARD")
            case .subscriberPriority: p.subscriberPriority = try c.readUInt8()
            case .subscriptionFilter where draft == .draft22:
                let f = try Draft22.LocationFilter.decode(from: &c)
                locationFilter = f
                p.subscriptionFilter = f.subscriptionFilter
            case .subscriptionFilter:
                p.subscriptionFilter = try decodeFilter(try readLengthPrefixed(&c, max: maxMessagePayload, "subscription filter"))
            case .fillParameters:
                p.fillParameters = try readLengthPrefixed(&c, max: maxMessagePayload, "FILL_PARAMETERS")
            case .subgroupFilter, .objectIDFilter, .priorityFilter, .objectPropertyFilter, .trackPropertyFilter:
                let value = try readLengthPrefixed(&c, max: maxMessagePayload, "range filter")
                p.rangeFilters.append(try RangeFilter(kind: RangeFilter.Kind(rawValue: type.rawValue)!, value: value))
            case .includeProperties: p.includeProperties = try readFlag(&c, "INCLUDE_PROPERTIES")
            case .groupOrder:
                let v = try c.readUInt8()
                guard let order = GroupOrder(rawValue: v) else { throw MoQTError.protocolViolation("GROUP_ORDER \(v) is not 1 or 2") }
                p.groupOrder = order
            case .newGroupRequest: p.newGroupRequest = try c.readVI64()
            case .trackNamespacePrefix: p.trackNamespacePrefix = try readNamespace(&c)
            }
        }
        r = c
        return p
    }

    // MARK: Token (§10.2.2)

    /// The Token structure's bytes.
    public static func encodeToken(_ t: AuthorizationToken) -> [UInt8] {
        var w = ByteWriter()
        w.writeVI64(t.aliasType)
        switch t {
        case .delete(let alias), .useAlias(let alias):
            w.writeVI64(alias)
        case .register(let alias, let type, let value):
            w.writeVI64(alias)
            w.writeVI64(type)
            w.writeBytes(value)
        case .useValue(let type, let value):
            w.writeVI64(type)
            w.writeBytes(value)
        }
        return w.bytes
    }

    /// Parses a Token structure filling `bytes`; anything undecodable is KEY_VALUE_FORMATTING_ERROR.
    public static func decodeToken(_ bytes: [UInt8]) throws -> AuthorizationToken {
        var r = ByteReader(bytes)
        do {
            let aliasType = try r.readVI64()
            switch aliasType {
            case 0x0, 0x2:
                let alias = try r.readVI64()
                guard r.isAtEnd else { throw MoQTError.keyValueFormatting("bytes after token alias") }
                return aliasType == 0 ? .delete(alias: alias) : .useAlias(alias: alias)
            case 0x1:
                let alias = try r.readVI64()
                let type = try r.readVI64()
                return .register(alias: alias, type: type, value: r.readRest())
            case 0x3:
                let type = try r.readVI64()
                return .useValue(type: type, value: r.readRest())
            default:
                throw MoQTError.keyValueFormatting("unknown token alias type \(aliasType)")
            }
        } catch let e as MoQTError {
            throw e
        } catch {
            throw MoQTError.keyValueFormatting("truncated authorization token")
        }
    }

    // MARK: Subscription Filter (§5.1.2)

    /// The Subscription Filter structure's bytes.
    public static func encodeFilter(_ f: SubscriptionFilter) -> [UInt8] {
        var w = ByteWriter()
        switch f {
        case .nextGroupStart, .relativeStart: w.writeVI64(0x1)   // draft-18 has no Relative Start n > 0
        case .largestObject: w.writeVI64(0x2)
        case .absoluteStart(let l):
            w.writeVI64(0x3)
            writeLocation(l, into: &w)
        case .absoluteRange(let l, let delta):
            w.writeVI64(0x4)
            writeLocation(l, into: &w)
            w.writeVI64(delta)
        case .absoluteRangeToObject(let l, let e):
            // draft-18 ends ranges with whole groups.
            w.writeVI64(0x4)
            writeLocation(l, into: &w)
            w.writeVI64(e.group &- l.group)
        }
        return w.bytes
    }

    /// Parses a Subscription Filter filling `bytes`. An unknown filter type or an end group past
    /// 2^64 - 1 is PROTOCOL_VIOLATION; a value of the wrong shape is KEY_VALUE_FORMATTING_ERROR.
    public static func decodeFilter(_ bytes: [UInt8]) throws -> SubscriptionFilter {
        var r = ByteReader(bytes)
        let filter: SubscriptionFilter
        do {
            let type = try r.readVI64()
            switch type {
            case 0x1: filter = .nextGroupStart
            case 0x2: filter = .largestObject
            case 0x3: filter = .absoluteStart(try readLocation(&r))
            case 0x4:
                let start = try readLocation(&r)
                let delta = try r.readVI64()
                guard !start.group.addingReportingOverflow(delta).overflow else {
                    throw MoQTError.protocolViolation("filter end group overflows 2^64-1")
                }
                filter = .absoluteRange(start: start, endGroupDelta: delta)
            default:
                throw MoQTError.protocolViolation("invalid filter type \(type)")
            }
        } catch let e as MoQTError {
            throw e
        } catch {
            throw MoQTError.keyValueFormatting("truncated subscription filter")
        }
        guard r.isAtEnd else { throw MoQTError.keyValueFormatting("bytes after subscription filter") }
        return filter
    }
}
