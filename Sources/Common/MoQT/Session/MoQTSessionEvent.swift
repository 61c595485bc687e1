/// What a `MoQTSession` tells its application, in order, through `pollEvent()`.
///
/// Requests are named by their Request ID throughout: the ID a local call returned, or the ID of
/// the peer's request that an event announced.
public enum MoQTSessionEvent: Hashable, Sendable {
    /// Both SETUPs are exchanged; carries the peer's options.
    case ready(peerOptions: SetupOptions)

    // MARK: Requests from the peer (answer with accept*/reject)
    /// The peer subscribes; answer `acceptSubscribe` or `reject`.
    case subscribeRequested(requestID: UInt64, Draft18.Subscribe)
    /// The peer publishes a track (PUBLISH); answer `acceptPublish` or `reject`.
    case publishRequested(requestID: UInt64, Draft18.Publish)
    /// The peer fetches; answer `acceptFetch` or `reject`.
    case fetchRequested(requestID: UInt64, Draft18.Fetch)
    /// The peer asks for a track's status; answer `accept` (with LARGEST_OBJECT) or `reject`.
    case trackStatusRequested(requestID: UInt64, Draft18.TrackStatus)
    /// The peer announces a namespace; answer `accept` or `reject`.
    case publishNamespaceRequested(requestID: UInt64, Draft18.PublishNamespace)
    /// The peer subscribes to a namespace prefix; answer `accept` or `reject`, then `sendNamespace`.
    case subscribeNamespaceRequested(requestID: UInt64, Draft18.SubscribeNamespace)
    /// The peer subscribes to the tracks under a prefix; answer `accept` or `reject`.
    case subscribeTracksRequested(requestID: UInt64, Draft18.SubscribeTracks)
    /// The peer updated request `requestID` (already applied and acknowledged with REQUEST_OK).
    case requestUpdated(requestID: UInt64, Draft18.RequestUpdate)
    /// The peer cancelled request `requestID` (RESET_STREAM or STOP_SENDING on its stream); for
    /// a subscription this is an unsubscribe, and the session has reset its data streams.
    case requestCancelled(requestID: UInt64, code: UInt64)
    /// A GOAWAY arrived on request `requestID`'s stream: migrate that request.
    case requestGoAway(requestID: UInt64, Draft18.GoAway)

    // MARK: Answers to local requests
    /// SUBSCRIBE accepted.
    case subscribeOK(requestID: UInt64, trackAlias: UInt64, Draft18.SubscribeOK)
    /// FETCH accepted; objects follow on a fetch stream.
    case fetchOK(requestID: UInt64, Draft18.FetchOK)
    /// REQUEST_OK for a request or a REQUEST_UPDATE (`requestID` is the update's ID then).
    case requestOK(requestID: UInt64, Draft18.RequestOK)
    /// REQUEST_ERROR for a request or a REQUEST_UPDATE.
    case requestError(requestID: UInt64, Draft18.RequestError)
    /// NAMESPACE on a namespace subscription.
    case namespace(requestID: UInt64, suffix: TrackNamespace)
    /// NAMESPACE_DONE on a namespace subscription.
    case namespaceDone(requestID: UInt64, suffix: TrackNamespace)
    /// PUBLISH_BLOCKED on a SUBSCRIBE_TRACKS stream.
    case publishBlocked(requestID: UInt64, Draft18.PublishBlocked)
    /// PUBLISH_DONE: the publisher opened `streamCount` subgroup streams in total.
    case publishDone(requestID: UInt64, Draft18.PublishDone)
    /// After PUBLISH_DONE, every counted subgroup stream has ended (FIN or reset).
    case subscriptionFinished(requestID: UInt64, streamsReceived: UInt64)

    // MARK: Data
    /// A complete object.
    case object(MoQTReceivedObject)
    /// A subgroup stream ended with FIN after all its objects.
    case subgroupEnded(requestID: UInt64, streamID: UInt64, groupID: UInt64, subgroupID: UInt64?)
    /// A subgroup stream was reset by the publisher.
    case subgroupReset(requestID: UInt64, streamID: UInt64, groupID: UInt64, subgroupID: UInt64?, code: UInt64)
    /// An object of a fetch response.
    case fetchObject(requestID: UInt64, Draft18.FetchObject)
    /// An End of Range marker of a fetch response.
    case fetchEndOfRange(requestID: UInt64, Location, nonExistent: Bool)
    /// The fetch stream ended with FIN.
    case fetchEnded(requestID: UInt64)
    /// The fetch stream was reset.
    case fetchReset(requestID: UInt64, code: UInt64)
    /// The peer sent STOP_SENDING on a data stream this session writes (it was reset).
    case dataStreamStopped(streamID: UInt64, code: UInt64)

    // MARK: Session
    /// The peer sends GOAWAY: open no new requests; reconnect to `newSessionURI` (or the same).
    case goAway(Draft18.GoAway)
    /// The session is closed, by this side (`byPeer` false) or the peer.
    case closed(code: SessionErrorCode, reason: String, byPeer: Bool)
}
