/// Which objects a subscription passes (draft-18 §5.1.2). Absence of a filter means "everything".
public enum SubscriptionFilter: Hashable, Sendable {
    /// Start at the first object of the group after the largest object.
    case nextGroupStart
    /// Start just after the largest object.
    case largestObject
    /// Start at a location, open ended.
    case absoluteStart(Location)
    /// Start at a location and end with group `start.group + endGroupDelta`.
    case absoluteRange(start: Location, endGroupDelta: UInt64)

    /// The filter's start location when it names one.
    public var start: Location? {
        switch self {
        case .absoluteStart(let l), .absoluteRange(let l, _): return l
        default: return nil
        }
    }

    /// The last group delivered, when bounded (nil if unbounded or it would overflow).
    public var endGroup: UInt64? {
        guard case .absoluteRange(let start, let delta) = self else { return nil }
        let (g, o) = start.group.addingReportingOverflow(delta)
        return o ? nil : g
    }
}
