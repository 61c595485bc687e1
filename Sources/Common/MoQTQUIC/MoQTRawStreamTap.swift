/// Observes the bytes of the streams a peer opened, as the QUIC connection delivers them (in order,
/// on the event loop), before the MoQT session parses them.
public protocol MoQTRawStreamTap: AnyObject {
    /// The next `bytes` of stream `streamID` (they follow the previous call's bytes); `fin` when the
    /// stream ends after them.
    func streamData(streamID: UInt64, bytes: [UInt8], fin: Bool)
    /// The peer reset stream `streamID`.
    func streamReset(streamID: UInt64, errorCode: UInt64)
}
