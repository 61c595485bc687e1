/// The requests that open a bidirectional request stream (draft-18 §3.3).
public enum RequestKind: Hashable, Sendable, CaseIterable {
    /// SUBSCRIBE.
    case subscribe
    /// PUBLISH.
    case publish
    /// FETCH.
    case fetch
    /// TRACK_STATUS.
    case trackStatus
    /// PUBLISH_NAMESPACE.
    case publishNamespace
    /// SUBSCRIBE_NAMESPACE.
    case subscribeNamespace
    /// SUBSCRIBE_TRACKS.
    case subscribeTracks
}
