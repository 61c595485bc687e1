/// Counters of one direction of traffic.
public struct LinkStats: Sendable, Equatable {
    public var datagramsSent = 0
    public var datagramsDelivered = 0
    public var datagramsDropped = 0
    public var datagramsDuplicated = 0
    public var bytesSent = 0
    public var bytesDelivered = 0
    public init() {}
}
