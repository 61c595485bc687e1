/// Why objects are missing from what a subscriber received.
public enum GapReason: String, Codable, Sendable, CaseIterable {
    /// The network lost them and nobody said why (includes streams reset for unknown reasons).
    case lost
    /// A relay or publisher dropped them on purpose under congestion (stream reset with a drop code).
    case droppedByPriority = "dropped by priority"
    /// They came before the point where the subscription started.
    case skippedAtJoin = "skipped at join"
    /// They were published while the subscriber was disconnected (`moq-sub --reconnect`).
    case disconnected
}
