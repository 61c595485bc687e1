import HTTP3
import MoQT
import QUIC

/// Feeds one QUIC connection that negotiated `h3` into a MoQT session through its WebTransport
/// session: HTTP/3 control, QPACK and request streams are handled by `WebTransportServer`; the
/// session sees only its own streams and datagrams, prefixes removed. The MoQT session starts
/// (sends its SETUP) once the extended CONNECT is accepted.
public enum MoQTWebTransportBridge {
    /// The ALPN of HTTP/3.
    public static let alpn = "h3"

    /// Hands `event` of `core` to the session through `transport`. `now` is the session clock (µs).
    public static func deliver(_ event: ConnectionEvent, core: Connection, transport: WebTransportMoQTransport,
                               to session: MoQTSession, now: UInt64? = nil, log: ((String) -> Void)? = nil) {
        let server = transport.server
        switch event {
        case .handshakeCompleted:
            // Our control stream with SETTINGS: the browser waits for it before its CONNECT.
            do {
                let id = try core.openStream(bidirectional: false)
                try? core.setPriority(streamID: id, Int.min)
                transport.writeOwn(streamID: id, bytes: server.controlStreamBytes(), fin: false)
            } catch {
                transport.closeConnection(code: .internalError, reason: "cannot open the control stream")
            }
        case .streamOpened(let id), .streamReadable(let id), .streamFinished(let id):
            while true {
                guard let result = try? core.read(streamID: id, maxLength: 1 << 20) else { break }
                if result.data.isEmpty && !result.isFinished { break }
                server.receive(streamID: id, bytes: result.data, fin: result.isFinished)
                if result.isFinished { break }
            }
        case .streamReset(let id, let code):
            server.receiveReset(streamID: id, code: code)
        case .stopSendingReceived(let id, let code):
            session.handleStopSending(streamID: id, errorCode: UInt64(HTTP3ErrorCode(rawValue: code).webTransportCode ?? 0))
        case .streamWritable(let id):
            if transport.flush(streamID: id) { session.handleStreamWritable(streamID: id) }
        case .streamsAvailable:
            break
        case .datagramReceived(let bytes):
            server.receiveDatagram(bytes)
        case .connectionClosed(let reason):
            let (code, text) = describe(reason)
            session.handleConnectionClosed(errorCode: code, reason: text)
        }
        perform(server: server, core: core, transport: transport, session: session, now: now, log: log)
    }

    /// Carries out the HTTP/3 side's actions.
    static func perform(server: WebTransportServer, core: Connection, transport: WebTransportMoQTransport,
                        session: MoQTSession, now: UInt64?, log: ((String) -> Void)?) {
        while let action = server.pollAction() {
            switch action {
            case .write(let id, let bytes, let fin):
                transport.writeOwn(streamID: id, bytes: bytes, fin: fin)
            case .stopSending(let id, let code):
                try? core.stopSending(streamID: id, errorCode: code.rawValue)
            case .resetStream(let id, let code):
                try? core.resetStream(streamID: id, errorCode: code.rawValue)
            case .closeConnection(let error):
                log?("webtransport: closing the connection: \(error)")
                transport.closeConnection(code: error.code, reason: error.reason)
                session.handleConnectionClosed(errorCode: SessionErrorCode.protocolViolation.rawValue, reason: "HTTP/3: \(error)")
            case .sessionReady(let id, let request, let selected):
                log?("webtransport: session \(id) for \(request.authority)\(request.path) from \(request.origin ?? "no origin"), protocol \(selected ?? "none offered")")
                do { try session.start(now: now) } catch { session.close(code: .internalError, reason: "\(error)") }
            case .streamOpened(let id, let bidirectional):
                session.handleStreamOpened(streamID: id, bidirectional: bidirectional)
            case .streamData(let id, let bytes, let fin):
                session.handleStreamData(streamID: id, bytes: bytes, fin: fin)
            case .streamReset(let id, let code):
                session.handleStreamReset(streamID: id, errorCode: UInt64(code ?? 0))
            case .datagram(let payload):
                session.handleDatagram(payload)
            case .sessionClosed(let code, let message):
                session.handleConnectionClosed(errorCode: UInt64(code), reason: message.isEmpty ? "WebTransport session closed" : message)
            case .sessionDraining:
                log?("webtransport: the peer drains the session")
            }
        }
    }

    /// The MoQT error code and reason of a QUIC close.
    static func describe(_ reason: ConnectionCloseReason) -> (UInt64, String) {
        switch reason {
        case .peerApplicationClose(let code, let why), .localApplicationClose(let code, let why):
            if code == HTTP3ErrorCode.noError.rawValue { return (SessionErrorCode.noError.rawValue, why) }
            return (code, why.isEmpty ? "\(HTTP3ErrorCode(rawValue: code))" : why)
        default: return (SessionErrorCode.internalError.rawValue, "\(reason)")
        }
    }
}

/// A transport that starts as raw QUIC and becomes WebTransport when the handshake negotiates
/// `h3` (a server accepting both ALPNs on one port creates the session before it knows which).
public final class SwitchableMoQTransport: MoQTransport {
    public var inner: MoQTransport
    public init(_ inner: MoQTransport) { self.inner = inner }
    public func openStream(bidirectional: Bool) throws -> UInt64 { try inner.openStream(bidirectional: bidirectional) }
    public func write(streamID: UInt64, bytes: [UInt8]) throws -> Int { try inner.write(streamID: streamID, bytes: bytes) }
    public func finish(streamID: UInt64) throws { try inner.finish(streamID: streamID) }
    public func resetStream(streamID: UInt64, errorCode: UInt64) throws { try inner.resetStream(streamID: streamID, errorCode: errorCode) }
    public func stopSending(streamID: UInt64, errorCode: UInt64) throws { try inner.stopSending(streamID: streamID, errorCode: errorCode) }
    public func close(errorCode: UInt64, reason: String) { inner.close(errorCode: errorCode, reason: reason) }
    public func setPriority(streamID: UInt64, priority: MoQTStreamPriority) { inner.setPriority(streamID: streamID, priority: priority) }
    public func sendDatagram(_ bytes: [UInt8]) throws { try inner.sendDatagram(bytes) }
}
