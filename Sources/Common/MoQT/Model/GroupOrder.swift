/// The order in which groups of a subscription or fetch are delivered (draft-18 §7, §10.2.8).
public enum GroupOrder: UInt8, Sendable, CaseIterable {
    /// Lower group IDs first (the default).
    case ascending = 0x1
    /// Higher group IDs first.
    case descending = 0x2
}
