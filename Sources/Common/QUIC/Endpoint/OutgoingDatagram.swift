/// A UDP datagram the endpoint wants sent.
public struct OutgoingDatagram: Equatable, Sendable {
    /// The payload.
    public var bytes: [UInt8]
    /// Where to send it.
    public var destination: QUICPeerAddress

    public init(bytes: [UInt8], destination: QUICPeerAddress) {
        self.bytes = bytes
        self.destination = destination
    }
}
