/// How urgently a stream's bytes should be sent (draft-18 §7): control and request streams
/// first, then data by subscriber priority, publisher priority (lower is more important), group
/// order and subgroup ID.
public struct MoQTStreamPriority: Hashable, Sendable {
    /// Control or request stream: always ahead of data.
    public var isControl: Bool
    /// The subscription's subscriber priority (lower first).
    public var subscriberPriority: UInt8
    /// The publisher priority of the subgroup or track (lower first).
    public var publisherPriority: UInt8
    /// The group the stream carries.
    public var groupID: UInt64
    /// The subgroup the stream carries (lower first within a group).
    public var subgroupID: UInt64
    /// Whether older or newer groups go first.
    public var groupOrder: GroupOrder

    /// A data stream's priority.
    public init(subscriberPriority: UInt8, publisherPriority: UInt8, groupID: UInt64, subgroupID: UInt64, groupOrder: GroupOrder) {
        self.isControl = false
        self.subscriberPriority = subscriberPriority
        self.publisherPriority = publisherPriority
        self.groupID = groupID
        self.subgroupID = subgroupID
        self.groupOrder = groupOrder
    }

    /// The priority of control and request streams.
    public static let control: MoQTStreamPriority = {
        var p = MoQTStreamPriority(subscriberPriority: 0, publisherPriority: 0, groupID: 0, subgroupID: 0, groupOrder: .ascending)
        p.isControl = true
        return p
    }()

    /// This priority as one integer for a transport's scheduler, lower first, ordered like
    /// `sendsBefore` (control streams lowest; then subscriber priority, publisher priority, group
    /// in the group order, subgroup). Group IDs are compared on their low 38 bits — groups
    /// 2^38 apart, which a live track never has in flight at once, would compare wrongly — and
    /// subgroups above 255 share a rank.
    public var sendOrder: Int {
        if isControl { return 0 }
        let groupMask: UInt64 = (1 << 38) - 1
        let group = groupID & groupMask
        let groupRank = groupOrder == .descending ? groupMask - group : group
        let rank: UInt64 = 1 << 62
            | UInt64(subscriberPriority) << 54
            | UInt64(publisherPriority) << 46
            | groupRank << 8
            | min(subgroupID, 255)
        return Int(rank)
    }

    /// True when this stream should be served before `other`.
    public func sendsBefore(_ other: MoQTStreamPriority) -> Bool {
        if isControl != other.isControl { return isControl }
        if subscriberPriority != other.subscriberPriority { return subscriberPriority < other.subscriberPriority }
        if publisherPriority != other.publisherPriority { return publisherPriority < other.publisherPriority }
        if groupID != other.groupID {
            return groupOrder == .ascending ? groupID < other.groupID : groupID > other.groupID
        }
        return subgroupID < other.subgroupID
    }
}
