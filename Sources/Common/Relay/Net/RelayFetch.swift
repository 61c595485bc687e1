import MoQT
import MoQTNet

/// A downstream FETCH being answered: from the cache, plus upstream FETCHes for what it lacks.
final class RelayFetch {
    let connection: MoQTConnection
    let requestID: UInt64
    var assembly: FetchAssembly
    /// The session the upstream FETCHes went to.
    let upstream: MoQTConnection?
    /// Set once FETCH_OK (and the objects) went out.
    var answered = false

    init(connection: MoQTConnection, requestID: UInt64, assembly: FetchAssembly, upstream: MoQTConnection?) {
        self.connection = connection
        self.requestID = requestID
        self.assembly = assembly
        self.upstream = upstream
    }
}
