/// Why an application command on a stream failed.
public enum StreamError: Error, Equatable, Sendable {
    /// No such stream (never opened, or already closed and forgotten).
    case unknownStream
    /// The stream has no sending side (a peer's unidirectional stream).
    case notWritable
    /// The stream has no receiving side (our own unidirectional stream).
    case notReadable
    /// The sending side was already finished or reset.
    case finished
    /// The peer asked us to stop sending with this application error code.
    case stopped(errorCode: UInt64)
    /// The stream limit granted by the peer is reached; wait for `.streamsAvailable`.
    case streamLimitReached
    /// The connection is closing or closed.
    case connectionClosed
    /// A stream with this ID exists or existed and is not an external stream (`createExternalStream`).
    case streamIDInUse
}
