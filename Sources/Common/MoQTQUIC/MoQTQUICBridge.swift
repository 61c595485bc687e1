import MoQT
import QUIC

/// Feeds one QUIC connection's events into a `MoQTSession` (stream openings, data, resets,
/// datagrams, close). Shared by MoQTNet's event-loop driver and the simulator tests.
public enum MoQTQUICBridge {
    /// Hands `event` of `core` to `session`. The caller drains the session's events afterwards.
    /// `tap` sees the raw bytes of every stream (and its reset) before the session parses them.
    /// `now` (microseconds, the session's clock) starts the session's SETUP timeout at the handshake.
    public static func deliver(_ event: ConnectionEvent, core: Connection, to session: MoQTSession, tap: MoQTRawStreamTap? = nil,
                               now: UInt64? = nil) {
        switch event {
        case .handshakeCompleted(let alpn):
            // The ALPN names the draft (moqt-18, moqt-22); anything else (tests) stays draft-18.
            if session.state == .idle, let alpn, let d = MoQTDraft(alpn: alpn) { session.draft = d }
            do { try session.start(now: now) } catch { session.close(code: .internalError, reason: "\(error)") }
        case .streamOpened(let id):
            session.handleStreamOpened(streamID: id, bidirectional: StreamID.isBidirectional(id))
            readAll(core: core, streamID: id, session: session, tap: tap)
        case .streamReadable(let id), .streamFinished(let id):
            readAll(core: core, streamID: id, session: session, tap: tap)
        case .streamReset(let id, let code):
            tap?.streamReset(streamID: id, errorCode: code)
            session.handleStreamReset(streamID: id, errorCode: code)
        case .stopSendingReceived(let id, let code):
            session.handleStopSending(streamID: id, errorCode: code)
        case .streamWritable(let id):
            session.handleStreamWritable(streamID: id)
        case .streamsAvailable:
            break
        case .datagramReceived(let bytes):
            session.handleDatagram(bytes)
        case .connectionClosed(let reason):
            let (code, text) = describe(reason)
            session.handleConnectionClosed(errorCode: code, reason: text)
        }
    }

    /// Reads everything a stream holds into the session.
    static func readAll(core: Connection, streamID: UInt64, session: MoQTSession, tap: MoQTRawStreamTap? = nil) {
        while true {
            guard let result = try? core.read(streamID: streamID, maxLength: 1 << 20) else { return }
            if result.data.isEmpty && !result.isFinished { return }
            tap?.streamData(streamID: streamID, bytes: result.data, fin: result.isFinished)
            session.handleStreamData(streamID: streamID, bytes: result.data, fin: result.isFinished)
            if result.isFinished { return }
        }
    }

    /// The MoQT error code and reason of a QUIC close.
    public static func describe(_ reason: ConnectionCloseReason) -> (UInt64, String) {
        switch reason {
        case .peerApplicationClose(let code, let why), .localApplicationClose(let code, let why): return (code, why)
        default: return (SessionErrorCode.internalError.rawValue, "\(reason)")
        }
    }
}
