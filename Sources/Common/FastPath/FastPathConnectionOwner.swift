import CFastPathABI

/// The connection a relay-issued connection ID belongs to.
public enum FastPathConnectionOwner: Sendable, Equatable {
    /// An upstream (publisher) connection, by its index in `fp_upstreams`.
    case upstream(UInt32)
    /// A subscriber connection, by its index in `fp_subscribers`.
    case subscriber(UInt32)

    var cValue: fp_cid_owner {
        var owner = fp_cid_owner()
        switch self {
        case .upstream(let id):
            owner.kind = FP_CID_UPSTREAM.rawValue
            owner.id = id
        case .subscriber(let id):
            owner.kind = FP_CID_SUBSCRIBER.rawValue
            owner.id = id
        }
        return owner
    }
}
