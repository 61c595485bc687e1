import MoQT
import QUIC

/// The MoQT session's transport over one of our sans-I/O QUIC connections. Every call must run
/// where the connection is driven (the event loop in MoQTNet, the simulator step in tests).
public final class QUICMoQTransport: MoQTransport {
    /// The QUIC connection beneath.
    public let core: Connection
    private let now: () -> QUICTime

    /// - Parameter now: the connection's clock (used when closing).
    public init(core: Connection, now: @escaping () -> QUICTime) {
        self.core = core
        self.now = now
    }

    public func openStream(bidirectional: Bool) throws -> UInt64 {
        try core.openStream(bidirectional: bidirectional)
    }

    public func write(streamID: UInt64, bytes: [UInt8]) throws -> Int {
        try core.write(streamID: streamID, data: bytes)
    }

    public func finish(streamID: UInt64) throws {
        try core.finish(streamID: streamID)
    }

    public func resetStream(streamID: UInt64, errorCode: UInt64) throws {
        try core.resetStream(streamID: streamID, errorCode: errorCode)
    }

    public func stopSending(streamID: UInt64, errorCode: UInt64) throws {
        try core.stopSending(streamID: streamID, errorCode: errorCode)
    }

    /// Maps the draft's send order (control first; subscriber priority, publisher priority,
    /// group order, subgroup) onto the QUIC scheduler's one integer, lower first.
    public func setPriority(streamID: UInt64, priority: MoQTStreamPriority) {
        // A stream the session already finished and QUIC forgot has nothing left to schedule.
        try? core.setPriority(streamID: streamID, priority.sendOrder)
    }

    public func sendDatagram(_ bytes: [UInt8]) throws {
        try core.sendDatagram(bytes)
    }

    public func close(errorCode: UInt64, reason: String) {
        core.close(applicationErrorCode: errorCode, reason: reason, now: now())
    }
}
