import MoQT
import MoQTNet

/// A downstream SUBSCRIBE_TRACKS: the session wants a PUBLISH for every track under `prefix`
/// the relay relays, now and later.
struct RelayTrackInterest {
    let connection: MoQTConnection
    let requestID: UInt64
    let prefix: TrackNamespace
    /// FORWARD the resulting PUBLISHes carry (the SUBSCRIBE_TRACKS parameter; 1 when absent).
    let forward: Bool
}
