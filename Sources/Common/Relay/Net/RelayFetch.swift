import MoQT
import MoQTNet

/// A downstream FETCH being answered: from the cache, plus upstream FETCHes for what it lacks.
final class RelayFetch {
    let connection: MoQTConnection
    let requestID: UInt64
    /// The fetched track.
    let track: FullTrackName
    var assembly: FetchAssembly
    /// The session the upstream FETCHes went to.
    let upstream: MoQTConnection?
    /// Set once FETCH_OK (and the objects) went out.
    var answered = false

    /// Upstream FETCH request ID → the groups its range covers to their end, marked complete in
    /// the cache once that FETCH ended.
    var groupsToTheirEnd: [UInt64: ClosedRange<UInt64>] = [:]

    init(connection: MoQTConnection, requestID: UInt64, track: FullTrackName, assembly: FetchAssembly, upstream: MoQTConnection?) {
        self.connection = connection
        self.requestID = requestID
        self.track = track
        self.assembly = assembly
        self.upstream = upstream
    }
}
