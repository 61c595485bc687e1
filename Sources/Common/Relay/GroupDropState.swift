/// What a subscriber queue remembers about one group of one subscription to keep its drops
/// consistent: a stream once dropped stays dropped, and a skipped group stays skipped.
struct GroupDropState: Sendable {
    /// The smallest publisher-priority value seen in the group: its most important objects.
    var anchorPriority: UInt8
    /// Objects with a larger publisher-priority value than this are dropped on arrival (something
    /// more important of the group was already dropped).
    var dropAbove: UInt8?
    /// Why that level was dropped.
    var dropAboveReason: DropReason = .queueBytes
    /// Set when the whole group was skipped, with the reason.
    var skipped: DropReason?
    /// Subgroups dropped (and reset), with the reason.
    var droppedSubgroups: [UInt64: DropReason] = [:]
    /// Subgroups of which at least one object was sent.
    var openedSubgroups: Set<UInt64> = []

    init(anchorPriority: UInt8) { self.anchorPriority = anchorPriority }
}
