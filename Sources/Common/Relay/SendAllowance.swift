/// What `SubscriberCongestion` allows for one subscriber now.
public struct SendAllowance: Hashable, Sendable {
    /// Bytes the subscriber's queue may release into the connection now (`SubscriberQueue.poll`'s window).
    public var window: Int
    /// The congestion budget for the queue (`SubscriberQueue.setCongestionBudget`): the bytes the
    /// subscriber can absorb within the target delay. 0 when it has stopped reading.
    public var budget: Int

    /// An allowance from its parts.
    public init(window: Int, budget: Int) {
        self.window = window
        self.budget = budget
    }
}
