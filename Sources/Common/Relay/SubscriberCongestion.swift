/// Turns a subscriber connection's transport state into a send window and a congestion budget
/// for its `SubscriberQueue` (sans I/O: the relay passes snapshots and the time).
///
/// - **Window**: the queue releases objects only while the connection holds less than
///   `windowFactor` congestion windows (at least `minimumWindow`) of unacknowledged data, so
///   anything the connection cannot send soon stays in the queue, where the drop policy can still
///   choose what to lose. (Data handed to QUIC can no longer be dropped by priority.)
/// - **Budget**: the bytes the subscriber can take within `targetDelay` at its current rate
///   (congestion window / smoothed RTT), at least `minimumBudget`. A queue above it drops the least
///   important data (reason `congestion`). When the peer has left data blocked by flow control for
///   `blockedGrace` seconds (it does not read), the rate is taken as zero: budget 0, so the queue
///   keeps only the current group's most important objects.
public struct SubscriberCongestion: Sendable {
    /// The knobs.
    public struct Configuration: Hashable, Sendable {
        /// How long queued data may take to drain at the current rate, in seconds.
        public var targetDelay: Double
        /// The smallest congestion budget while the subscriber reads.
        public var minimumBudget: Int
        /// How long flow-control blocking is tolerated before the budget drops to 0, in seconds.
        public var blockedGrace: Double
        /// Unacknowledged data allowed in the connection, in congestion windows.
        public var windowFactor: Int
        /// Unacknowledged data always allowed in the connection, in bytes.
        public var minimumWindow: Int

        /// Defaults: 0.5 s target delay, 32 KiB minimum budget, 0.2 s grace, 2 windows, 64 KiB.
        public init(targetDelay: Double = 0.5, minimumBudget: Int = 32 << 10, blockedGrace: Double = 0.2,
                    windowFactor: Int = 2, minimumWindow: Int = 64 << 10) {
            self.targetDelay = targetDelay
            self.minimumBudget = minimumBudget
            self.blockedGrace = blockedGrace
            self.windowFactor = windowFactor
            self.minimumWindow = minimumWindow
        }
    }

    /// The knobs in force.
    public let configuration: Configuration
    /// Since when data has been blocked by flow control, if it is.
    public private(set) var blockedSince: RelayTime?

    /// An estimator with `configuration`.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// The allowance for `snapshot` at `now`.
    public mutating func update(_ snapshot: TransportSnapshot, now: RelayTime) -> SendAllowance {
        let limit = max(configuration.minimumWindow, configuration.windowFactor * snapshot.congestionWindow)
        let window = max(0, limit - snapshot.unacknowledgedBytes)
        if snapshot.flowControlBlocked {
            if blockedSince == nil { blockedSince = now }
        } else {
            blockedSince = nil
        }
        if let since = blockedSince, now.seconds(since: since) >= configuration.blockedGrace {
            return SendAllowance(window: window, budget: 0)
        }
        let rtt = Double(max(snapshot.smoothedRTTNanoseconds, 1_000_000)) / 1e9
        let rate = Double(snapshot.congestionWindow) / rtt
        let budget = Int(min(rate * configuration.targetDelay, Double(Int.max / 2)))
        return SendAllowance(window: window, budget: max(configuration.minimumBudget, budget))
    }
}
