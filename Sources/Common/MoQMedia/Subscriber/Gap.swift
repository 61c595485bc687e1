/// A run of missing objects: objects `firstObject...lastObject` of group `group`, or whole groups
/// `group...lastGroup` when `lastGroup` is set (then the object fields are nil).
public struct Gap: Codable, Equatable, Sendable {
    public var group: UInt64
    public var lastGroup: UInt64?
    public var firstObject: UInt64?
    public var lastObject: UInt64?
    public var reason: GapReason

    /// Missing objects within one group.
    public static func objects(group: UInt64, _ range: ClosedRange<UInt64>, reason: GapReason) -> Gap {
        Gap(group: group, lastGroup: nil, firstObject: range.lowerBound, lastObject: range.upperBound, reason: reason)
    }

    /// Whole missing groups.
    public static func groups(_ range: ClosedRange<UInt64>, reason: GapReason) -> Gap {
        Gap(group: range.lowerBound, lastGroup: range.upperBound, firstObject: nil, lastObject: nil, reason: reason)
    }

    enum CodingKeys: String, CodingKey {
        case group, lastGroup = "last_group", firstObject = "first_object", lastObject = "last_object", reason
    }
}
