extension Draft18.ControlMessage {
    /// The kind of request this message opens, if it opens one.
    public var requestKind: RequestKind? {
        switch self {
        case .subscribe: return .subscribe
        case .publish: return .publish
        case .fetch: return .fetch
        case .trackStatus: return .trackStatus
        case .publishNamespace: return .publishNamespace
        case .subscribeNamespace: return .subscribeNamespace
        case .subscribeTracks: return .subscribeTracks
        default: return nil
        }
    }
}

extension TrackObject {
    /// The object a subgroup stream carried. `subgroupID` is the stream's resolved subgroup ID;
    /// `defaultPriority` applies when the header had DEFAULT_PRIORITY.
    public init(_ object: Draft18.SubgroupObject, header: Draft18.SubgroupHeader, subgroupID: UInt64, defaultPriority: UInt8 = 128) {
        self.init(location: Location(group: header.groupID, object: object.objectID), forwarding: .subgroup(subgroupID),
                  publisherPriority: header.publisherPriority ?? defaultPriority, status: object.status,
                  properties: object.properties, payload: object.payload)
    }

    /// The object a datagram carried (`defaultPriority` applies when it had DEFAULT_PRIORITY).
    public init(_ d: Draft18.ObjectDatagram, defaultPriority: UInt8 = 128) {
        let status: ObjectStatus
        let payload: [UInt8]
        switch d.content {
        case .payload(let p): status = .normal; payload = p
        case .status(let s): status = s; payload = []
        }
        self.init(location: Location(group: d.groupID, object: d.objectID), forwarding: .datagram,
                  publisherPriority: d.publisherPriority ?? defaultPriority, status: status, properties: d.properties, payload: payload)
    }

    /// The object a fetch stream carried.
    public init(_ o: Draft18.FetchObject) {
        self.init(location: o.location, forwarding: o.forwarding, publisherPriority: o.publisherPriority, status: o.status,
                  properties: o.properties, payload: o.payload)
    }
}
