extension Draft18.ControlMessage: CustomStringConvertible {
    /// The draft's name of the message, e.g. `SUBSCRIBE_OK`.
    public var name: String {
        switch self {
        case .setup: return "SETUP"
        case .goAway: return "GOAWAY"
        case .subscribe: return "SUBSCRIBE"
        case .subscribeOK: return "SUBSCRIBE_OK"
        case .requestUpdate: return "REQUEST_UPDATE"
        case .publish: return "PUBLISH"
        case .publishDone: return "PUBLISH_DONE"
        case .fetch: return "FETCH"
        case .fetchOK: return "FETCH_OK"
        case .trackStatus: return "TRACK_STATUS"
        case .publishNamespace: return "PUBLISH_NAMESPACE"
        case .namespace: return "NAMESPACE"
        case .namespaceDone: return "NAMESPACE_DONE"
        case .subscribeNamespace: return "SUBSCRIBE_NAMESPACE"
        case .subscribeTracks: return "SUBSCRIBE_TRACKS"
        case .publishBlocked: return "PUBLISH_BLOCKED"
        case .publishStateNotify: return "PUBLISH_STATE_NOTIFY"
        case .requestOK: return "REQUEST_OK"
        case .requestError: return "REQUEST_ERROR"
        }
    }

    /// The name, for logs (payloads are not printed).
    public var description: String { name }
}
