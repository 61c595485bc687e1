/// The `moq-sub --sessions N --report` document: N subscriber sessions of one process, the total and
/// the spread of their latencies, and each session's own report.
public struct MultiSessionReport: Codable, Equatable, Sendable {
    /// Sessions started.
    public var sessions: Int
    /// Sessions that ended with an error (their reason in `failures`).
    public var failed: Int
    /// Objects received, all sessions together.
    public var objects: Int
    /// Payload bytes received, all sessions together.
    public var bytes: Int
    /// Gaps of every session, except "skipped at join".
    public var gaps: Int
    /// Median over sessions of their p50 latency, and of their p99; the worst p99 and max.
    public var latencyUs: Spread
    /// One line per failed session.
    public var failures: [String]
    /// Every session's report, in session order (nil for a session that failed before any object).
    public var perSession: [SubscriberReport?]

    /// Latency figures across sessions, microseconds.
    public struct Spread: Codable, Equatable, Sendable {
        public var p50Median: Int64
        public var p99Median: Int64
        public var p99Max: Int64
        public var max: Int64

        enum CodingKeys: String, CodingKey {
            case p50Median = "p50_median", p99Median = "p99_median", p99Max = "p99_max", max
        }
    }

    /// Aggregates `reports` (nil: that session failed with the matching entry of `failures`).
    public init(reports: [SubscriberReport?], failures: [String]) {
        sessions = reports.count
        failed = failures.count
        perSession = reports
        self.failures = failures
        let done = reports.compactMap { $0 }
        objects = done.reduce(0) { $0 + $1.objects }
        bytes = done.reduce(0) { $0 + $1.bytes }
        gaps = done.reduce(0) { $0 + $1.gaps.filter { $0.reason != .skippedAtJoin }.count }
        func median(_ values: [Int64]) -> Int64 {
            let v = values.sorted()
            return v.isEmpty ? 0 : v[v.count / 2]
        }
        latencyUs = Spread(p50Median: median(done.map(\.latencyUs.p50)), p99Median: median(done.map(\.latencyUs.p99)),
                           p99Max: done.map(\.latencyUs.p99).max() ?? 0, max: done.map(\.latencyUs.max).max() ?? 0)
    }

    enum CodingKeys: String, CodingKey {
        case sessions, failed, objects, bytes, gaps, failures
        case latencyUs = "latency_us"
        case perSession = "per_session"
    }
}
