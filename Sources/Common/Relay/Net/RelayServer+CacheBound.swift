import MoQT

extension RelayServer {
    /// Stores `object` in `track`'s cache (its own bounds apply), then holds every track's cache
    /// together to `--cache-bytes` (`SharedCacheBound`): a client publishing many tracks cannot make
    /// the relay hold tracks x the bound. The insert's result stands even when the bound then
    /// trimmed the object again (it is forwarded all the same).
    @discardableResult
    func cacheInsert(_ object: RelayObject, into track: RelayTrack, now: RelayTime) -> TrackCache.InsertResult {
        let before = track.cache.stats.bytes
        let result = track.cache.insert(object, now: now)
        cacheBytesHeld += track.cache.stats.bytes - before
        // Evictions elsewhere (age, removed tracks) only lower the truth below this count, so the
        // recount runs at most once per insert that could have crossed the bound.
        if cacheBytesHeld > sharedCacheBytes {
            cacheBytesHeld = SharedCacheBound.enforce(Array(tracks.values), bound: sharedCacheBytes).bytes
        }
        return result
    }
}
