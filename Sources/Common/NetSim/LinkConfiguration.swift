import QUIC

/// How a one-way link treats datagrams.
public struct LinkConfiguration: Sendable {
    /// Propagation delay.
    public var delay = QUICDuration.milliseconds(10)
    /// Extra random delay, uniform in 0...jitter; reorders datagrams when larger than their spacing.
    public var jitter = QUICDuration.zero
    /// Probability a datagram is dropped.
    public var lossRate = 0.0
    /// Probability a datagram is delivered twice.
    public var duplicationRate = 0.0
    /// Bottleneck rate in bytes per second; nil = unlimited.
    public var bandwidth: UInt64?
    /// Bytes that may wait at the bottleneck before tail drop; nil = unlimited.
    public var queueCapacity: Int?

    /// A lossless 10 ms link.
    public init() {}

    /// A link with the given properties.
    public init(delay: QUICDuration = .milliseconds(10), jitter: QUICDuration = .zero, lossRate: Double = 0,
                duplicationRate: Double = 0, bandwidth: UInt64? = nil, queueCapacity: Int? = nil) {
        self.delay = delay
        self.jitter = jitter
        self.lossRate = lossRate
        self.duplicationRate = duplicationRate
        self.bandwidth = bandwidth
        self.queueCapacity = queueCapacity
    }
}
