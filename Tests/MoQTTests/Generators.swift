@testable import MoQT
import TestSupport

/// Random model values for property tests (deterministic with a seeded generator).
extension SeededGenerator {
    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func bool() -> Bool { Bool.random(using: &self) }
    /// A UInt64 with a random magnitude, so every vi64 length shows up.
    mutating func u64() -> UInt64 { next() >> UInt64(int(0...63)) }
    mutating func u8() -> UInt8 { UInt8.random(in: 0...255, using: &self) }
    mutating func maybe<T>(_ make: (inout SeededGenerator) -> T) -> T? { bool() ? make(&self) : nil }
    mutating func string(_ maxLen: Int) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789/._-é✓")
        return String((0..<int(0...maxLen)).map { _ in alphabet[int(0...alphabet.count - 1)] })
    }

    /// A PATH option: path-abempty segments, maybe a query (RFC 3986 characters only).
    mutating func uriPath() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789._-~!$&'()*+,;=:@")
        func segment(_ g: inout Self) -> String { String((0..<g.int(0...8)).map { _ in alphabet[g.int(0...alphabet.count - 1)] }) }
        var p = (0..<int(0...3)).map { _ in "/" + segment(&self) }.joined()
        if int(0...3) == 0 { p += "?" + segment(&self) + "=" + segment(&self) }
        return p
    }

    /// An AUTHORITY option: a host name or IPv4 address, maybe a port.
    mutating func authority() -> String {
        let host = int(0...1) == 0 ? "relay\(int(0...99)).example" : "10.0.\(int(0...255)).\(int(1...254))"
        return int(0...1) == 0 ? host : host + ":\(int(0...65535))"
    }

    mutating func namespace(maxFields: Int = 4) -> TrackNamespace {
        TrackNamespace((0..<int(0...maxFields)).map { _ in bytes(int(1...12)) })
    }
    mutating func fullTrackName() -> FullTrackName { FullTrackName(namespace: namespace(), name: bytes(int(0...20))) }
    mutating func location() -> Location { Location(group: u64(), object: u64()) }

    mutating func token() -> AuthorizationToken {
        switch int(0...3) {
        case 0: return .delete(alias: u64())
        case 1: return .register(alias: u64(), type: u64(), value: bytes(int(0...16)))
        case 2: return .useAlias(alias: u64())
        default: return .useValue(type: u64(), value: bytes(int(0...16)))
        }
    }

    mutating func filter() -> SubscriptionFilter {
        switch int(0...3) {
        case 0: return .nextGroupStart
        case 1: return .largestObject
        case 2: return .absoluteStart(location())
        default:
            let start = location()
            let room = UInt64.max - start.group
            return .absoluteRange(start: start, endGroupDelta: room == .max ? u64() : u64() % (room + 1))
        }
    }

    /// Random parameters using only `allowed` types.
    mutating func parameters(_ allowed: Set<Draft18.ParameterType>) -> MessageParameters {
        var p = MessageParameters()
        for t in allowed where bool() {
            switch t {
            case .objectDeliveryTimeout: p.objectDeliveryTimeout = u64()
            case .authorizationToken: p.authorizationTokens = (0..<int(1...3)).map { _ in token() }
            case .rendezvousTimeout: p.rendezvousTimeout = u64()
            case .subgroupDeliveryTimeout: p.subgroupDeliveryTimeout = u64()
            case .expires: p.expires = u64()
            case .largestObject: p.largestObject = location()
            case .fillTimeout: p.fillTimeout = u64()
            case .forward: p.forward = bool()
            case .subscriberPriority: p.subscriberPriority = u8()
            case .subscriptionFilter: p.subscriptionFilter = filter()
            case .groupOrder: p.groupOrder = bool() ? .ascending : .descending
            case .newGroupRequest: p.newGroupRequest = u64()
            case .trackNamespacePrefix: p.trackNamespacePrefix = namespace()
            case .includeProperties: p.includeProperties = bool()
            case .fillParameters: p.fillParameters = bytes(int(0...6))
            case .subgroupFilter, .objectIDFilter, .priorityFilter, .objectPropertyFilter, .trackPropertyFilter:
                p.rangeFilters.append(rangeFilter(RangeFilter.Kind(rawValue: t.rawValue)!))
            }
        }
        p.rangeFilters.sort { $0.kind.rawValue < $1.kind.rawValue }
        return p
    }

    /// A well-formed Range Filter of `kind`: ascending ranges, the last one maybe open.
    mutating func rangeFilter(_ kind: RangeFilter.Kind) -> RangeFilter {
        var ranges: [RangeFilter.Span] = []
        var next: UInt64 = 0
        for i in 0..<int(0...4) {
            let start = next + UInt64(int(0...1000))
            if i == 3 && bool() { ranges.append(RangeFilter.Span(start, nil)); break }
            let end = start + UInt64(int(0...1000))
            ranges.append(RangeFilter.Span(start, end))
            next = end
        }
        return RangeFilter(kind: kind, setID: u8(), propertyType: kind.hasPropertyType ? u64() : nil, ranges: ranges)
    }

    mutating func properties() -> [KeyValuePair] { KeyValuePair.sortedForWire(randomPairs(&self, maxCount: 4)) }

    mutating func setupOptions() -> SetupOptions {
        var o = SetupOptions(path: maybe { $0.uriPath() }, authority: maybe { $0.authority() }, implementation: maybe { $0.string(20) })
        o.maxAuthTokenCacheSize = maybe { $0.u64() }
        o.authorizationTokens = (0..<int(0...2)).map { _ in token() }
        // Unknown options: types above every known one so wire order keeps them last.
        o.unknown = (0..<int(0...2)).map { _ in
            let t = UInt64(int(0x100...0x200))
            return t & 1 == 0 ? KeyValuePair(type: t, integer: u64()) : KeyValuePair(type: t, bytes: bytes(int(0...8)))
        }.sorted { $0.type < $1.type }
        return o
    }

    /// One random message of every kind (index selects the kind).
    mutating func controlMessage(kind: Int) -> Draft18.ControlMessage {
        switch kind % 18 {
        case 0: return .setup(Draft18.Setup(options: setupOptions()))
        case 1: return .goAway(Draft18.GoAway(newSessionURI: string(30), timeout: u64(), requestID: maybe { $0.u64() }))
        case 2: return .subscribe(Draft18.Subscribe(requestID: u64(), track: fullTrackName(), parameters: parameters(Draft18.Subscribe.allowedParameters)))
        case 3: return .subscribeOK(Draft18.SubscribeOK(trackAlias: u64(), parameters: parameters(Draft18.SubscribeOK.allowedParameters), trackProperties: properties()))
        case 4: return .requestUpdate(Draft18.RequestUpdate(requestID: u64(), parameters: parameters(Draft18.RequestUpdate.allowedParameters)))
        case 5: return .publish(Draft18.Publish(requestID: u64(), track: fullTrackName(), trackAlias: u64(),
                                                parameters: parameters(Draft18.Publish.allowedParameters), trackProperties: properties()))
        case 6: return .publishDone(Draft18.PublishDone(statusCode: PublishDoneCode(rawValue: u64()), streamCount: u64(), reason: string(40)))
        case 7:
            let range: FetchRange
            switch int(0...2) {
            case 0: range = .standalone(track: fullTrackName(), start: location(), end: location())
            case 1: range = .relativeJoining(requestID: u64(), groupsBack: u64())
            default: range = .absoluteJoining(requestID: u64(), startGroup: u64())
            }
            return .fetch(Draft18.Fetch(requestID: u64(), range: range, parameters: parameters(Draft18.Fetch.allowedParameters)))
        case 8: return .fetchOK(Draft18.FetchOK(endOfTrack: bool(), endLocation: location(), trackProperties: properties()))
        case 9: return .trackStatus(Draft18.TrackStatus(requestID: u64(), track: fullTrackName(), parameters: parameters(Draft18.TrackStatus.allowedParameters)))
        case 10: return .publishNamespace(Draft18.PublishNamespace(requestID: u64(), namespace: namespace(), parameters: parameters(Draft18.PublishNamespace.allowedParameters)))
        case 11: return .namespace(Draft18.Namespace(suffix: namespace()))
        case 12: return .namespaceDone(Draft18.NamespaceDone(suffix: namespace()))
        case 13: return .subscribeNamespace(Draft18.SubscribeNamespace(requestID: u64(), prefix: namespace(), parameters: parameters(Draft18.SubscribeNamespace.allowedParameters)))
        case 14: return .subscribeTracks(Draft18.SubscribeTracks(requestID: u64(), prefix: namespace(), parameters: parameters(Draft18.SubscribeTracks.allowedParameters)))
        case 15: return .publishBlocked(Draft18.PublishBlocked(suffix: namespace(), trackName: bytes(int(0...20))))
        case 16: return .requestOK(Draft18.RequestOK(parameters: parameters(Draft18.RequestOK.allowedParameters), trackProperties: properties()))
        default:
            let code = bool() ? RequestErrorCode.redirect : RequestErrorCode(rawValue: u64() % 0x34)
            let redirect = code == .redirect ? Redirect(connectURI: string(20), namespace: namespace(), trackName: bytes(int(0...10))) : nil
            return .requestError(Draft18.RequestError(code: code, retryInterval: u64(), reason: string(50), redirect: redirect))
        }
    }
}
