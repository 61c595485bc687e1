import MoQT

/// Chooses the track aliases of one downstream session (the relay is the publisher there, so it
/// picks them, draft-18 §10.5/§10.6).
///
/// Where possible a track gets the same alias as upstream, so the subgroup headers of that track
/// can be forwarded unchanged (the fast path then rewrites nothing). When that alias is already
/// taken in this session by another track, the track gets a fresh alias: the smallest free value,
/// which always encodes in no more bytes than the upstream alias, so a fast path can rewrite the
/// field in place (`Draft18.SubgroupHeader.trackAliasRange(in:)`).
///
/// Several subscriptions of one track in a session share its alias (reference counted); the alias
/// becomes free when the last one is released.
public struct AliasAllocator: Hashable, Sendable {
    private var aliasByTrack: [FullTrackName: UInt64] = [:]
    private var trackByAlias: [UInt64: FullTrackName] = [:]
    private var references: [FullTrackName: Int] = [:]

    /// An allocator with no aliases in use.
    public init() {}

    /// The alias for `track` in this session: its current one if it has one, else `upstream` when
    /// free (or no upstream alias is known), else a fresh one.
    public mutating func allocate(track: FullTrackName, upstream: UInt64?) -> UInt64 {
        if let a = aliasByTrack[track] {
            references[track, default: 0] += 1
            return a
        }
        let alias: UInt64
        if let u = upstream, trackByAlias[u] == nil {
            alias = u
        } else {
            var candidate: UInt64 = 0
            while trackByAlias[candidate] != nil { candidate += 1 }
            alias = candidate
        }
        aliasByTrack[track] = alias
        trackByAlias[alias] = track
        references[track] = 1
        return alias
    }

    /// Releases one use of `track`'s alias (on unsubscribe); the alias is free again after the
    /// last release. Returns the alias when it was freed.
    @discardableResult
    public mutating func release(track: FullTrackName) -> UInt64? {
        guard let a = aliasByTrack[track] else { return nil }
        let n = (references[track] ?? 1) - 1
        guard n <= 0 else {
            references[track] = n
            return nil
        }
        aliasByTrack[track] = nil
        trackByAlias[a] = nil
        references[track] = nil
        return a
    }

    /// The alias `track` has in this session.
    public func alias(for track: FullTrackName) -> UInt64? { aliasByTrack[track] }
    /// The track known by `alias` in this session.
    public func track(for alias: UInt64) -> FullTrackName? { trackByAlias[alias] }
    /// Aliases in use.
    public var count: Int { aliasByTrack.count }
}
