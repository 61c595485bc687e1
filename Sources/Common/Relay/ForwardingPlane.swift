import MoQT

/// Where the relay hands objects over for delivery to a subscriber: the seam between the relay
/// logic and the path that sends the bytes.
///
/// The user-space plane (`UserSpaceForwardingPlane`) queues objects per subscriber with a drop
/// policy; a kernel fast path implements the same protocol for the subscribers it can serve and
/// leaves the rest to user space. A subscriber is attached to a track before objects are
/// forwarded to it and detached on unsubscribe or session close.
public protocol ForwardingPlane {
    /// Starts forwarding `track` to `subscriber` under `subscription` (its alias, priority, order).
    mutating func attach(subscriber: UInt64, track: FullTrackName, subscription: SubscriptionContext)
    /// Hands one object of `track` over for `subscriber` at `now`.
    mutating func forward(_ object: RelayObject, track: FullTrackName, to subscriber: UInt64, now: RelayTime) -> ForwardOutcome
    /// Stops forwarding `track` to `subscriber`, or every track when `track` is nil.
    mutating func detach(subscriber: UInt64, track: FullTrackName?)
}
