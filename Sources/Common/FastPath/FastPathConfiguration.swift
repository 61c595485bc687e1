/// How large the fast path's maps are. The loader sets every map's `max_entries` from these numbers
/// before loading, so map capacity follows the relay's configuration instead of compiled-in constants.
public struct FastPathConfiguration: Sendable, Equatable {
    /// Upstream (publisher) connections: entries of `fp_upstreams`.
    public var maxUpstreams: UInt32 = 16
    /// Subscriber connections: entries of `fp_subscribers`, `fp_shared` and `fp_learned`.
    public var maxSubscribers: UInt32 = 1024
    /// Tracks on the fast path: entries of `fp_tracks`.
    public var maxTracks: UInt32 = 256
    /// Live upstream media streams: entries of `fp_streams`.
    public var maxStreams: UInt32 = 8192
    /// Live (subscriber, stream) pairs: entries of `fp_sub_streams`.
    public var maxSubscriberStreams: UInt32 = 262_144
    /// Connection IDs the relay issued: entries of `fp_local_cids`.
    public var maxLocalConnectionIDs: UInt32 = 8192
    /// Ring-buffer bytes (a power of two, at least one page).
    public var ringBufferBytes: UInt32 = 1 << 22

    /// The default sizes.
    public init() {}
}
