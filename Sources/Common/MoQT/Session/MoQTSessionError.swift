/// Why a local API call on `MoQTSession` was refused. Protocol errors of the peer are not
/// thrown: they close the session and surface as `MoQTSessionEvent.closed`.
public enum MoQTSessionError: Error, Hashable, Sendable {
    /// `start()` was not called yet, or was called twice.
    case notStarted
    /// The session is closed.
    case closed
    /// A GOAWAY was received: no new requests.
    case goingAway
    /// No such request, or it is not in a state that allows the call.
    case invalidRequest(UInt64)
    /// No such locally opened data stream, or it has ended.
    case invalidStream(UInt64)
    /// The track alias is already used in this session.
    case trackAliasInUse(UInt64)
    /// The subscriber asked not to be sent objects (FORWARD 0).
    case notForwarding(UInt64)
    /// The location lies outside the subscription's filter.
    case outsideSubscription(Location)
    /// The object cannot follow what was written on the stream (IDs must increase, properties
    /// need the PROPERTIES bit, status objects carry nothing).
    case invalidObject(String)
    /// The transport has no datagram support.
    case datagramsUnsupported
    /// The transport refused an operation.
    case transport(String)
    /// The session's draft has no such message or form (e.g. a joining FETCH at draft-22).
    case notInDraft(String)
    /// draft-22: as many REQUEST_UPDATEs unanswered on the request as the peer's MAX_REQUEST_UPDATES.
    case tooManyUpdates(UInt64)
}
