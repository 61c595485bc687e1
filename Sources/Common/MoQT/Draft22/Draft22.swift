import Wire

/// The wire profile of draft-ietf-moq-transport-22 (ALPN `moqt-22`).
///
/// draft-22 keeps draft-18's framing, vi64 integers, SETUP, request streams and data streams; it
/// changes a handful of message bodies. The message values are the same model types the
/// draft-18 profile uses (`Draft18.Subscribe`, `Draft18.Fetch`, ...): `Draft18.ControlMessage`'s
/// `encode(into:draft:)` and `decode(from:options:)` (with `DecodeOptions.draft`) switch to the
/// encodings here for the fields that differ:
/// - LOCATION_FILTER (parameter 0x21, draft-18's SUBSCRIPTION_FILTER) leads with a Location Filter
///   Type and has no length; end locations are inclusive.
/// - FETCH has no Fetch Type and no joining forms: Request ID, track, parameters, with the range
///   in LOCATION_FILTER. FETCH_OK's End Location is inclusive.
/// - PUBLISH_OK carries no subscription parameters (the session sends them in REQUEST_UPDATE).
/// - GOAWAY carries no Request ID.
/// - PUBLISH_STATE_NOTIFY (0x22), INCLUDE_PROPERTIES (0x35) and FILL_PARAMETERS (0x23) are new.
public enum Draft22 {
    /// The ALPN token of this draft on raw QUIC.
    public static let alpn = MoQTDraft.draft22.alpn

    /// The object Range Filters (SUBGROUP, OBJECTID, PRIORITY, OBJECT_PROPERTY).
    static let objectRangeFilters: Set<Draft18.ParameterType> = [.subgroupFilter, .objectIDFilter, .priorityFilter, .objectPropertyFilter]

    /// draft-22's parameter list of each message (its Parameter Scope), replacing draft-18's; a
    /// parameter outside it is PROTOCOL_VIOLATION on receipt. REQUEST_UPDATE and REQUEST_OK have
    /// the union over the requests they can belong to (the message is decoded before its stream's
    /// request is looked up).
    static let scope: [UInt64: Set<Draft18.ParameterType>] = {
        let subscribe: Set<Draft18.ParameterType> = objectRangeFilters.union([
            .objectDeliveryTimeout, .authorizationToken, .rendezvousTimeout, .subgroupDeliveryTimeout, .forward,
            .subscriberPriority, .subscriptionFilter, .groupOrder, .fillParameters, .newGroupRequest, .includeProperties,
        ])
        return [
            Draft18.Subscribe.messageType: subscribe,
            Draft18.SubscribeOK.messageType: [.expires, .largestObject],
            Draft18.Publish.messageType: [.objectDeliveryTimeout, .authorizationToken, .subgroupDeliveryTimeout, .expires,
                                          .largestObject, .forward, .subscriberPriority, .subscriptionFilter, .groupOrder],
            Draft18.RequestOK.messageType: [.expires, .largestObject],
            Draft18.Fetch.messageType: objectRangeFilters.union([.authorizationToken, .fillTimeout, .subscriberPriority,
                                                                 .subscriptionFilter, .groupOrder, .includeProperties]),
            Draft18.TrackStatus.messageType: [.authorizationToken, .includeProperties],
            Draft18.PublishNamespace.messageType: [.authorizationToken],
            Draft18.SubscribeNamespace.messageType: [.authorizationToken],
            Draft18.SubscribeTracks.messageType: subscribe.union([.trackPropertyFilter]),
            Draft18.RequestUpdate.messageType: objectRangeFilters.union([
                .objectDeliveryTimeout, .authorizationToken, .subgroupDeliveryTimeout, .forward, .subscriberPriority,
                .subscriptionFilter, .fillParameters, .trackPropertyFilter, .newGroupRequest, .trackNamespacePrefix,
            ]),
            PublishStateNotify.messageType: PublishStateNotify.allowedParameters,
        ]
    }()

    /// FILL_PARAMETERS' own list.
    static let fillScope: Set<Draft18.ParameterType> = objectRangeFilters.union([.fillTimeout, .subscriberPriority, .subscriptionFilter, .groupOrder])

    // MARK: Location Filter (§5.1.2 of draft-22)

    /// A draft-22 Location Filter as it is on the wire. End locations are inclusive; the end group
    /// travels as a delta from the start group.
    public enum LocationFilter: Hashable, Sendable {
        /// 0x0: no filter.
        case none
        /// 0x1: start `groupsBack` groups before the next group (0 = the next group's start).
        case relativeStart(groupsBack: UInt64)
        /// 0x2: from a location, open ended.
        case absoluteStart(Location)
        /// 0x3: from a location to the end of group `endGroup`.
        case absoluteGroupEnd(start: Location, endGroup: UInt64)
        /// 0x4: from a location to `end`, inclusive.
        case absoluteRange(start: Location, end: Location)
        /// 0x5: from the object after the largest one.
        case nextObject

        /// The Location Filter Type.
        public var typeCode: UInt64 {
            switch self {
            case .none: return 0
            case .relativeStart: return 1
            case .absoluteStart: return 2
            case .absoluteGroupEnd: return 3
            case .absoluteRange: return 4
            case .nextObject: return 5
            }
        }

        /// Type, then the type's fields.
        public func encode(into w: inout ByteWriter) {
            w.writeVI64(typeCode)
            switch self {
            case .none, .nextObject: break
            case .relativeStart(let n): w.writeVI64(n)
            case .absoluteStart(let s): Draft18.writeLocation(s, into: &w)
            case .absoluteGroupEnd(let s, let g):
                Draft18.writeLocation(s, into: &w)
                w.writeVI64(g &- s.group)
            case .absoluteRange(let s, let e):
                Draft18.writeLocation(s, into: &w)
                w.writeVI64(e.group &- s.group)
                w.writeVI64(e.object)
            }
        }

        /// An unknown type or an end group past 2^64 - 1 is PROTOCOL_VIOLATION; running out of the
        /// message is too (the caller maps it).
        public static func decode(from r: inout ByteReader) throws -> LocationFilter {
            var c = r
            let type = try c.readVI64()
            let f: LocationFilter
            func end(_ s: Location) throws -> UInt64 {
                let (g, o) = s.group.addingReportingOverflow(try c.readVI64())
                if o { throw MoQTError.protocolViolation("LOCATION_FILTER end group overflows 2^64-1") }
                return g
            }
            switch type {
            case 0: f = .none
            case 1: f = .relativeStart(groupsBack: try c.readVI64())
            case 2: f = .absoluteStart(try Draft18.readLocation(&c))
            case 3:
                let s = try Draft18.readLocation(&c)
                f = .absoluteGroupEnd(start: s, endGroup: try end(s))
            case 4:
                let s = try Draft18.readLocation(&c)
                let g = try end(s)
                let eo = try c.readVI64()
                let e = Location(group: g, object: eo)
                guard !(e < s) else { throw MoQTError.protocolViolation("LOCATION_FILTER ends before it starts") }
                f = .absoluteRange(start: s, end: e)
            case 5: f = .nextObject
            default: throw MoQTError.protocolViolation("unknown Location Filter Type 0x\(String(type, radix: 16))")
            }
            r = c
            return f
        }

        /// The draft-22 form of a model subscription filter.
        public init(_ f: SubscriptionFilter) {
            switch f {
            case .nextGroupStart: self = .relativeStart(groupsBack: 0)
            case .relativeStart(let n): self = .relativeStart(groupsBack: n)
            case .absoluteRangeToObject(let s, let e): self = .absoluteRange(start: s, end: e)
            case .largestObject: self = .nextObject
            case .absoluteStart(let s): self = .absoluteStart(s)
            case .absoluteRange(let s, let delta): self = .absoluteGroupEnd(start: s, endGroup: s.group &+ delta)
            }
        }

        /// The model subscription filter (nil: unfiltered), exact for every form.
        public var subscriptionFilter: SubscriptionFilter? {
            switch self {
            case .none: return nil
            case .relativeStart(0): return .nextGroupStart
            case .relativeStart(let n): return .relativeStart(groupsBack: n)
            case .nextObject: return .largestObject
            case .absoluteStart(let s): return .absoluteStart(s)
            case .absoluteGroupEnd(let s, let g): return .absoluteRange(start: s, endGroupDelta: g - s.group)
            case .absoluteRange(let s, let e): return .absoluteRangeToObject(start: s, end: e)
            }
        }
    }

    // MARK: FETCH range (draft-18 exclusive End Location <-> draft-22 inclusive filter)

    /// A standalone range's draft-22 filter. The model's End Location is draft-18's: the last
    /// object plus one, object 0 meaning the whole end group; `Location(group: .max, object: 0)`
    /// stands for "no end" (up to the largest object).
    static func locationFilter(start: Location, end: Location) -> LocationFilter {
        if end == openEnd { return .absoluteStart(start) }
        if end.object == 0 { return .absoluteGroupEnd(start: start, endGroup: end.group) }
        return .absoluteRange(start: start, end: Location(group: end.group, object: end.object - 1))
    }

    /// The end the model uses for a draft-22 FETCH with no end (up to the largest object).
    public static let openEnd = Location(group: .max, object: 0)

    /// The model's (start, exclusive end) of a FETCH's Location Filter; nil for the forms relative
    /// to the largest object, which a FETCH cannot be answered from without knowing it.
    static func fetchRange(_ f: LocationFilter?) -> (Location, Location)? {
        switch f ?? .none {
        case .none: return (Location(group: 0, object: 0), openEnd)
        case .absoluteStart(let s): return (s, openEnd)
        case .absoluteGroupEnd(let s, let g): return (s, Location(group: g, object: 0))
        case .absoluteRange(let s, let e):
            return e.object == .max ? (s, Location(group: e.group, object: 0)) : (s, Location(group: e.group, object: e.object + 1))
        case .relativeStart, .nextObject: return nil
        }
    }

    /// FETCH_OK's inclusive End Location from the model's exclusive one (object 0 = the whole
    /// group, sent as object 2^64 - 1).
    static func inclusiveEnd(_ l: Location) -> Location {
        Location(group: l.group, object: l.object == 0 ? .max : l.object - 1)
    }

    /// The model's exclusive End Location from FETCH_OK's inclusive one.
    static func exclusiveEnd(_ l: Location) -> Location {
        Location(group: l.group, object: l.object == .max ? 0 : l.object + 1)
    }
}

extension Draft22 {
    /// What a SUBSCRIBE's FILL_PARAMETERS asks for (draft-22 §5.1.6 reading): the objects before the
    /// subscription's start, delivered on a fill stream (a fetch stream whose FETCH_HEADER carries
    /// the SUBSCRIBE's Request ID). draft-22 replaced the joining FETCH with it.
    public struct FillRequest: Hashable, Sendable {
        /// The range, evaluated like a FETCH's against the largest object (nil: the whole track).
        public var locationFilter: LocationFilter?
        /// GROUP_ORDER of the fill stream (default ascending).
        public var groupOrder: GroupOrder?
        /// SUBSCRIBER_PRIORITY of the fill stream.
        public var subscriberPriority: UInt8?
        /// Range Filters of the fill stream; a type present replaces the subscription's.
        public var rangeFilters: [RangeFilter] = []

        /// A fill request.
        public init(locationFilter: LocationFilter? = nil, groupOrder: GroupOrder? = nil, subscriberPriority: UInt8? = nil,
                    rangeFilters: [RangeFilter] = []) {
            self.locationFilter = locationFilter
            self.groupOrder = groupOrder
            self.subscriberPriority = subscriberPriority
            self.rangeFilters = rangeFilters
        }

        /// Parses FILL_PARAMETERS' value: a parameter list of its own (count, delta-coded types).
        public init(fillParameters bytes: [UInt8]) throws {
            var r = ByteReader(bytes)
            var filter: LocationFilter?
            do {
                let p = try Draft18.readParameters(&r, allowed: Draft22.fillScope,
                                                   message: "FILL_PARAMETERS", draft: .draft22, locationFilter: &filter)
                try Draft18.expectEnd(r, "FILL_PARAMETERS")
                self.init(locationFilter: filter, groupOrder: p.groupOrder, subscriberPriority: p.subscriberPriority)
                self.rangeFilters = p.rangeFilters
            } catch let e as MoQTError {
                throw e
            } catch {
                throw MoQTError.protocolViolation("FILL_PARAMETERS truncated")
            }
        }

        /// The FILL_PARAMETERS value.
        public var encoded: [UInt8] {
            var p = MessageParameters()
            p.groupOrder = groupOrder
            p.subscriberPriority = subscriberPriority
            p.rangeFilters = rangeFilters
            var w = ByteWriter()
            Draft18.writeParameters(p, into: &w, draft: .draft22, locationFilter: locationFilter)
            return w.bytes
        }

        /// The first and last locations (both inclusive) to fill, given the track's largest object;
        /// nil when nothing is to be sent (nothing published, or an empty range).
        public func range(largest: Location?) -> (start: Location, end: Location)? {
            guard let largest else { return nil }
            let start: Location
            var end = largest
            switch locationFilter ?? .none {
            case .none: start = Location(group: 0, object: 0)
            case .relativeStart(let n):
                let next = largest.group &+ 1
                start = Location(group: next >= n ? next - n : 0, object: 0)
            case .nextObject: return nil
            case .absoluteStart(let s): start = s
            case .absoluteGroupEnd(let s, let g):
                start = s
                end = min(end, Location(group: g, object: .max))
            case .absoluteRange(let s, let e):
                start = s
                end = min(end, e)
            }
            return start <= end ? (start, end) : nil
        }
    }
}
