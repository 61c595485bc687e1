import MoQT
import MoQTNet

/// One relayed track: the single upstream subscription, the cache, and the downstream
/// subscriptions it feeds.
final class RelayTrack: TrackCacheHolder {
    let name: FullTrackName
    let upstream: MoQTConnection
    let upstreamRequestID: UInt64
    /// The upstream track alias, once SUBSCRIBE_OK arrived.
    var upstreamAlias: UInt64?
    /// LARGEST_OBJECT of the upstream SUBSCRIBE_OK (or PUBLISH), if it sent one.
    var upstreamLargest: Location?
    /// The largest location known here: the upstream's LARGEST_OBJECT or the latest cached
    /// object, whichever is larger (what LARGEST_OBJECT and FETCH ranges are judged by).
    var largestKnown: Location? {
        switch (upstreamLargest, cache.largestLocation) {
        case let (a?, b?): return max(a, b)
        case let (a, b): return a ?? b
        }
    }
    var isEstablished = false
    /// True for a track the publisher pushed with PUBLISH: it stays while the publisher sends it,
    /// with or without subscribers.
    var published = false
    var cache: TrackCache
    /// Accepted downstream subscriptions.
    var subscribers: [RelayDownstream] = []
    /// Downstream subscriptions waiting for the upstream SUBSCRIBE_OK.
    var pending: [RelayDownstream] = []
    /// PUBLISHes of this track to downstream sessions (SUBSCRIBE_TRACKS) not flowing yet.
    var offers: [RelayOffer] = []
    /// Subgroups whose upstream stream has ended (FIN or reset), so a late joiner's replayed
    /// stream of one of them is ended too.
    var endedSubgroups: Set<RelaySubgroupKey> = []
    /// Upstream stream ID to its subgroup.
    var upstreamStreams: [UInt64: RelaySubgroupKey] = [:]
    /// Upstream subgroup streams still open, per group (a group whose streams all ended with FIN
    /// is complete in the cache once a later group exists).
    var openStreamsPerGroup: [UInt64: Int] = [:]
    /// The FORWARD state the relay last asked upstream for (REQUEST_UPDATE when every subscriber
    /// paused, or one resumed).
    var upstreamForwarding = true
    /// PUBLISH_DONE from upstream, forwarded when every upstream stream has ended.
    var publishDone: Draft18.PublishDone?

    /// Whether `connection` already has this track: subscribed, waiting, or offered.
    func isRelayed(to connection: MoQTConnection) -> Bool {
        subscribers.contains { $0.connection === connection } || pending.contains { $0.connection === connection }
            || offers.contains { $0.connection === connection }
    }

    init(name: FullTrackName, upstream: MoQTConnection, upstreamRequestID: UInt64, cache: TrackCache.Configuration) {
        self.name = name
        self.upstream = upstream
        self.upstreamRequestID = upstreamRequestID
        self.cache = TrackCache(configuration: cache)
    }
}
