/// A unidirectional data stream this session writes: a subgroup of a subscription, or a fetch
/// response.
struct OutgoingDataStream {
    enum Kind {
        case subgroup(header: Draft18.SubgroupHeader, coder: Draft18.SubgroupObjectCoder)
        case fetch(coder: Draft18.FetchObjectCoder)
    }

    let requestID: UInt64
    var kind: Kind
    var subgroupID: UInt64?
    /// Fetch streams: the last location written (the order the coder requires).
    var lastFetchLocation: Location?
    var ended = false
}
