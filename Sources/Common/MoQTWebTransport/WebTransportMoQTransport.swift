import HTTP3
import MoQT
import QUIC

/// The MoQT session's transport over a WebTransport session (HTTP/3, ALPN `h3`) on one of our
/// sans-I/O QUIC connections. Stream IDs are the QUIC stream IDs; every stream the session opens
/// starts with the WebTransport prefix (0x54 or 0x41, then the session ID), written here before
/// the session's first byte, and datagrams carry the quarter stream ID. Error codes on streams are
/// moved into HTTP/3's WebTransport range and back. Every call must run where the connection is
/// driven (see `QUICMoQTransport`).
public final class WebTransportMoQTransport: MoQTransport {
    public let core: Connection
    /// The HTTP/3 side of the connection.
    public let server: WebTransportServer
    private let now: () -> QUICTime
    /// Bytes this adapter must put on a stream before anything of the session's (a stream prefix,
    /// HTTP/3 replies), and whether a FIN follows them.
    private var pending: [UInt64: (bytes: [UInt8], fin: Bool)] = [:]

    public init(core: Connection, server: WebTransportServer, now: @escaping () -> QUICTime) {
        self.core = core
        self.server = server
        self.now = now
    }

    /// Queues HTTP/3's own bytes on a stream (and a FIN after them) ahead of anything else.
    func writeOwn(streamID: UInt64, bytes: [UInt8], fin: Bool) {
        if var p = pending[streamID] {
            p.bytes += bytes
            p.fin = p.fin || fin
            pending[streamID] = p
        } else {
            pending[streamID] = (bytes, fin)
        }
        _ = flush(streamID: streamID)
    }

    /// Writes what is pending on a stream; true when nothing is left.
    func flush(streamID: UInt64) -> Bool {
        guard var p = pending[streamID] else { return true }
        if !p.bytes.isEmpty {
            guard let n = try? core.write(streamID: streamID, data: p.bytes) else {
                pending[streamID] = nil  // the stream is gone (reset, stopped): nothing to deliver
                return true
            }
            p.bytes.removeFirst(n)
        }
        if p.bytes.isEmpty {
            pending[streamID] = nil
            if p.fin { try? core.finish(streamID: streamID) }
            return true
        }
        pending[streamID] = p
        return false
    }

    public func openStream(bidirectional: Bool) throws -> UInt64 {
        let id = try core.openStream(bidirectional: bidirectional)
        writeOwn(streamID: id, bytes: server.prefixForLocalStream(id, bidirectional: bidirectional), fin: false)
        return id
    }

    public func write(streamID: UInt64, bytes: [UInt8]) throws -> Int {
        guard flush(streamID: streamID) else { return 0 }
        return try core.write(streamID: streamID, data: bytes)
    }

    public func finish(streamID: UInt64) throws {
        if pending[streamID] != nil {
            pending[streamID]!.fin = true
            return
        }
        try core.finish(streamID: streamID)
    }

    public func resetStream(streamID: UInt64, errorCode: UInt64) throws {
        pending[streamID] = nil
        try core.resetStream(streamID: streamID, errorCode: Self.wireCode(errorCode))
    }

    public func stopSending(streamID: UInt64, errorCode: UInt64) throws {
        try core.stopSending(streamID: streamID, errorCode: Self.wireCode(errorCode))
    }

    public func setPriority(streamID: UInt64, priority: MoQTStreamPriority) {
        try? core.setPriority(streamID: streamID, priority.sendOrder)
    }

    public func sendDatagram(_ bytes: [UInt8]) throws {
        try core.sendDatagram(server.datagramPrefix() + bytes)
    }

    /// Ends the WebTransport session with CLOSE_WEBTRANSPORT_SESSION (the MoQT error code) and a
    /// FIN on the CONNECT stream; before a session exists, closes the QUIC connection.
    public func close(errorCode: UInt64, reason: String) {
        guard server.sessionID != nil, !server.isSessionClosed else {
            core.close(applicationErrorCode: HTTP3ErrorCode.noError.rawValue, reason: reason, now: now())
            return
        }
        server.closeSession(code: UInt32(clamping: errorCode), message: reason)
        while let action = server.pollAction() {
            if case .write(let id, let bytes, let fin) = action { writeOwn(streamID: id, bytes: bytes, fin: fin) }
        }
    }

    /// Closes the QUIC connection with an HTTP/3 error code.
    public func closeConnection(code: HTTP3ErrorCode, reason: String) {
        core.close(applicationErrorCode: code.rawValue, reason: reason, now: now())
    }

    /// A MoQT stream error code as WebTransport carries it (HTTP/3 code space).
    static func wireCode(_ code: UInt64) -> UInt64 { HTTP3ErrorCode.webTransport(UInt32(clamping: code)).rawValue }
}
