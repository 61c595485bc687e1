import MoQT

/// A subgroup stream the session must reset (RESET_STREAM) for one subscriber because the relay
/// dropped objects of it on purpose; the subscriber attributes the gap as "dropped by priority".
public struct StreamReset: Hashable, Sendable {
    /// The subscription the stream belongs to.
    public var subscription: UInt64
    /// The group ID.
    public var group: UInt64
    /// The subgroup ID.
    public var subgroup: UInt64
    /// Why the relay dropped it.
    public var reason: DropReason
    /// True when objects of this subgroup were already sent, so the stream exists; when false the
    /// session may open it just to reset it (so the subscriber learns of the drop) or skip it.
    public var streamOpened: Bool
    /// True when the whole group was skipped (its most important objects dropped too): the
    /// subscriber resumes at the next group.
    public var groupSkipped: Bool

    /// A reset decision.
    public init(subscription: UInt64, group: UInt64, subgroup: UInt64, reason: DropReason, streamOpened: Bool, groupSkipped: Bool) {
        self.subscription = subscription
        self.group = group
        self.subgroup = subgroup
        self.reason = reason
        self.streamOpened = streamOpened
        self.groupSkipped = groupSkipped
    }

    /// How the subscriber should attribute the gap (the moq-sub report's wording).
    public static let gapAttribution = "dropped by priority"

    /// The RESET_STREAM error code to send.
    public var code: StreamResetCode { reason.resetCode }
}
