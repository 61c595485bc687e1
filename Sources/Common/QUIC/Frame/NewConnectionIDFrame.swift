/// A NEW_CONNECTION_ID frame (RFC 9000 §19.15).
public struct NewConnectionIDFrame: Equatable, Sendable {
    /// The sequence number of this connection ID.
    public var sequenceNumber: UInt64
    /// Connection IDs below this sequence number must be retired.
    public var retirePriorTo: UInt64
    /// The new connection ID (1...20 bytes).
    public var connectionID: QUICConnectionID
    /// The 16-byte stateless reset token bound to it.
    public var statelessResetToken: [UInt8]

    public init(sequenceNumber: UInt64, retirePriorTo: UInt64, connectionID: QUICConnectionID, statelessResetToken: [UInt8]) {
        self.sequenceNumber = sequenceNumber
        self.retirePriorTo = retirePriorTo
        self.connectionID = connectionID
        self.statelessResetToken = statelessResetToken
    }
}
