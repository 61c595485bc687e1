/// What a forwarding plane did with one object for one subscriber.
public enum ForwardOutcome: Hashable, Sendable {
    /// Queued in user space; the session sends it when the subscriber's queue releases it.
    case queued
    /// Handed to a plane that sends it itself (the kernel fast path).
    case offloaded
    /// Dropped on purpose (see the subscriber queue's output for resets).
    case dropped(DropReason)
    /// The subscriber has no subscription to that track on this plane.
    case notAttached
}
