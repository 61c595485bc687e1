/// Delays between reconnection attempts (`--reconnect`): 0.25 s doubling up to 8 s.
public struct Backoff: Sendable {
    /// The first delay, seconds.
    public var initial: Double = 0.25
    /// The largest delay, seconds.
    public var maximum: Double = 8
    /// Attempts since the last success.
    public private(set) var attempts = 0

    public init() {}

    /// The delay before the next attempt.
    public mutating func next() -> Double {
        let d = min(maximum, initial * Double(1 << min(attempts, 20)))
        attempts += 1
        return d
    }

    /// A connection succeeded: start again from the first delay.
    public mutating func reset() { attempts = 0 }

    /// "0.25 s", "8 s".
    public static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
