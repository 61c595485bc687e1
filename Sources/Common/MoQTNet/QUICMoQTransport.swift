import MoQT
import QUIC
import QUICIO

/// The MoQT session's transport over one of our QUIC connections. Every call runs on the
/// connection's event loop (the session is driven from `MoQTConnection`'s delegate callbacks).
final class QUICMoQTransport: MoQTransport {
    let core: Connection

    init(core: Connection) { self.core = core }

    func openStream(bidirectional: Bool) throws -> UInt64 {
        try core.openStream(bidirectional: bidirectional)
    }

    func write(streamID: UInt64, bytes: [UInt8]) throws -> Int {
        try core.write(streamID: streamID, data: bytes)
    }

    func finish(streamID: UInt64) throws {
        try core.finish(streamID: streamID)
    }

    func resetStream(streamID: UInt64, errorCode: UInt64) throws {
        try core.resetStream(streamID: streamID, errorCode: errorCode)
    }

    func stopSending(streamID: UInt64, errorCode: UInt64) throws {
        try core.stopSending(streamID: streamID, errorCode: errorCode)
    }

    func close(errorCode: UInt64, reason: String) {
        core.close(applicationErrorCode: errorCode, reason: reason, now: MonotonicClock.now())
    }
}
