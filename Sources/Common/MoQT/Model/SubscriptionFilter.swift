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
    /// draft-22 Relative Start with n > 0: the first object of the group `groupsBack` before the
    /// group after the largest object (n = 0 is `nextGroupStart`). Sent at draft-18 as Next Group
    /// Start, the nearest form it has.
    case relativeStart(groupsBack: UInt64)
    /// draft-22 Absolute Range: from `start` through `end`, inclusive (an end object, not a whole
    /// group). Sent at draft-18 as an Absolute Range ending with `end.group`.
    case absoluteRangeToObject(start: Location, end: Location)

    /// The filter's start location when it names one.
    public var start: Location? {
        switch self {
        case .absoluteStart(let l), .absoluteRange(let l, _), .absoluteRangeToObject(let l, _): return l
        default: return nil
        }
    }

    /// The last group delivered, when bounded (nil if unbounded or it would overflow).
    public var endGroup: UInt64? {
        if case .absoluteRangeToObject(_, let e) = self { return e.group }
        guard case .absoluteRange(let start, let delta) = self else { return nil }
        let (g, o) = start.group.addingReportingOverflow(delta)
        return o ? nil : g
    }

    /// The last object of `endGroup` delivered (nil: the whole group).
    public var endObject: UInt64? {
        if case .absoluteRangeToObject(_, let e) = self { return e.object }
        return nil
    }

    /// The first location delivered given the track's largest object (nil: nothing published yet).
    public func startLocation(largest: Location?) -> Location {
        switch self {
        case .nextGroupStart: return largest.map { Location(group: $0.group &+ 1, object: 0) } ?? .zero
        case .relativeStart(let n):
            guard let l = largest else { return .zero }
            let next = l.group &+ 1
            return Location(group: next >= n ? next - n : 0, object: 0)
        case .largestObject: return largest.map { Location(group: $0.group, object: $0.object &+ 1) } ?? .zero
        case .absoluteStart(let l), .absoluteRange(let l, _), .absoluteRangeToObject(let l, _): return l
        }
    }
}
