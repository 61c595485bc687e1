/// Where to retry a request that failed with REDIRECT (draft-18 §10.6.1).
public struct Redirect: Hashable, Sendable {
    /// URI to connect to; empty means "this session's URI".
    public var connectURI: String
    /// Namespace for the retried request (empty with an empty name means "unchanged").
    public var namespace: TrackNamespace
    /// Track name for the retried request; empty for namespace-scoped requests.
    public var trackName: [UInt8]

    /// A redirect.
    public init(connectURI: String = "", namespace: TrackNamespace = TrackNamespace([]), trackName: [UInt8] = []) {
        self.connectURI = connectURI
        self.namespace = namespace
        self.trackName = trackName
    }
}
