import MoQTNet

/// A PUBLISH the relay sent a downstream session (answering its SUBSCRIBE_TRACKS) that has no
/// flowing subscription yet: waiting for the subscriber's REQUEST_OK, or accepted with FORWARD 0.
final class RelayOffer {
    let connection: MoQTConnection
    /// The Request ID of the relay's PUBLISH in that session.
    let requestID: UInt64
    /// The track alias the PUBLISH carried.
    let alias: UInt64
    /// FORWARD of the PUBLISH (from the SUBSCRIBE_TRACKS), until the REQUEST_OK says otherwise.
    let forward: Bool
    /// True once the subscriber answered with FORWARD 0: the track is offered but not sent.
    var parked = false

    init(connection: MoQTConnection, requestID: UInt64, alias: UInt64, forward: Bool) {
        self.connection = connection
        self.requestID = requestID
        self.alias = alias
        self.forward = forward
    }
}
