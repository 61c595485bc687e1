/// What a subscriber queue decided since the last poll, as values the session acts on.
public struct QueueOutput: Hashable, Sendable {
    /// Objects to send now, in order.
    public var sends: [OutgoingObject] = []
    /// Streams to reset for this subscriber, each once.
    public var resets: [StreamReset] = []
    /// Every object dropped (for statistics and logs).
    public var drops: [DroppedObject] = []

    /// An empty output.
    public init() {}

    /// True when there is nothing to do.
    public var isEmpty: Bool { sends.isEmpty && resets.isEmpty && drops.isEmpty }
}
