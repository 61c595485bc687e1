/// Collects per-object latencies (microseconds) and answers percentiles.
///
/// Keeps every sample: a 10-minute 30 fps subscription is 18,000 values, far below any concern,
/// and exact percentiles make reports comparable across runs.
public struct LatencyRecorder: Sendable {
    private var samples: [Int64] = []
    private var sorted = true

    public init() {}

    /// Number of samples.
    public var count: Int { samples.count }

    /// Adds one latency sample in microseconds (negative values, from clock skew, are kept as 0).
    public mutating func record(microseconds: Int64) {
        let value = max(0, microseconds)
        if let last = samples.last, value < last { sorted = false }
        samples.append(value)
    }

    /// The `p`-th percentile (0...100, nearest-rank), or nil without samples.
    public mutating func percentile(_ p: Double) -> Int64? {
        guard !samples.isEmpty else { return nil }
        if !sorted { samples.sort(); sorted = true }
        let rank = Int((p / 100 * Double(samples.count)).rounded(.up))
        return samples[min(max(rank, 1), samples.count) - 1]
    }

    /// The summary the report carries.
    public mutating func summary() -> LatencySummary {
        LatencySummary(p50: percentile(50) ?? 0, p90: percentile(90) ?? 0, p99: percentile(99) ?? 0, max: percentile(100) ?? 0)
    }
}

/// Latency percentiles in microseconds (`latency_us` in the report).
public struct LatencySummary: Codable, Equatable, Sendable {
    public var p50: Int64
    public var p90: Int64
    public var p99: Int64
    public var max: Int64

    public init(p50: Int64, p90: Int64, p99: Int64, max: Int64) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.max = max
    }
}
