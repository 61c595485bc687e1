import MoQT
import MoQTQUIC
import HTTP3
import MoQTWebTransport
import NIOCore
import QUIC
import QUICIO

/// A MoQT session on one QUIC connection: feeds the connection's events into the sans-I/O
/// `MoQTSession` and hands the session's events to a `MoQTSessionHandler`, all on the event loop.
public final class MoQTConnection: QUICConnectionDelegate, @unchecked Sendable {
    /// The session (touch only on `eventLoop`).
    public let session: MoQTSession
    /// The QUIC connection beneath.
    /// Strong: the application may hold a session after its connection closed and was removed from the
    /// endpoint (and call `close()` on it). The connection drops its delegate (this) when it fails.
    public let quic: QUICConnection
    /// The handler of session events.
    public var handler: MoQTSessionHandler?
    /// Sees the raw bytes of every stream the peer opened, in order, before the session parses them
    /// (the relay's fast path mirrors upstream media streams with it), and their resets.
    public var rawStreamTap: MoQTRawStreamTap?
    private var timer: Scheduled<Void>?
    private var timerDeadline: UInt64?
    private var readyWaiters: [CheckedContinuation<Void, Error>] = []
    private var closedWaiters: [CheckedContinuation<Void, Never>] = []
    private var isReady = false
    /// Set once the session closed: code and reason.
    public private(set) var closeInfo: (code: SessionErrorCode, reason: String, byPeer: Bool)?
    /// How the QUIC connection beneath ended, once it did.
    public private(set) var transportCloseReason: ConnectionCloseReason?

    /// The event loop all of this runs on.
    public var eventLoop: EventLoop { quic.eventLoop }

    /// The draft the session speaks (from the negotiated ALPN; fixed once the handshake completed).
    public var draft: MoQTDraft { session.draft }

    /// Set when the handshake negotiated `h3`: the session runs over this WebTransport session.
    public private(set) var webTransport: WebTransportMoQTransport?
    /// Present on a server that accepts WebTransport too: the session's transport, switched at the handshake.
    private let switchable: SwitchableMoQTransport?
    /// Where the WebTransport side reports (sessions accepted, HTTP/3 errors).
    public var webTransportLog: ((String) -> Void)?

    init(quic: QUICConnection, core: Connection, role: MoQTSessionRole, configuration: MoQTSessionConfiguration,
         acceptsWebTransport: Bool = false) {
        self.quic = quic
        let raw = QUICMoQTransport(core: core, now: { MonotonicClock.now() })
        switchable = acceptsWebTransport ? SwitchableMoQTransport(raw) : nil
        self.session = MoQTSession(role: role, transport: switchable ?? raw, configuration: configuration)
    }

    /// Microseconds on the monotonic clock, the session's time scale.
    static func nowMicroseconds() -> UInt64 { MonotonicClock.now().nanoseconds / 1_000 }

    /// Runs `body` with the session on the event loop, then drains events and sends what it produced.
    public func perform<T>(_ body: @escaping (MoQTSession) throws -> T) async throws -> T {
        try await eventLoop.submit {
            try self.performOnLoop(body)
        }.get()
    }

    /// Like `perform`, for callers already on the event loop (handlers, timers).
    public func performOnLoop<T>(_ body: (MoQTSession) throws -> T) rethrows -> T {
        eventLoop.preconditionInEventLoop()
        defer { afterInput() }
        return try quic.withCoreOnLoop { _ in try body(session) }
    }

    /// Waits until both SETUPs are exchanged.
    public func waitUntilReady() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            eventLoop.execute {
                if self.isReady { c.resume() }
                else if let info = self.closeInfo { c.resume(throwing: MoQTNetError.sessionClosed(code: info.code, reason: info.reason)) }
                else { self.readyWaiters.append(c) }
            }
        }
    }

    /// Waits until the session has closed.
    public func waitUntilClosed() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            eventLoop.execute {
                if self.closeInfo != nil { c.resume() } else { self.closedWaiters.append(c) }
            }
        }
    }

    /// Closes the session (and the QUIC connection).
    public func close(code: SessionErrorCode = .noError, reason: String = "") async {
        _ = try? await perform { $0.close(code: code, reason: reason) }
    }

    // MARK: QUICConnectionDelegate

    public func connection(_ connection: QUICConnection, core: Connection, didReceive event: ConnectionEvent) {
        if case .connectionClosed(let reason) = event, transportCloseReason == nil { transportCloseReason = reason }
        if webTransport == nil, let switchable, case .handshakeCompleted(let alpn) = event, alpn == MoQTWebTransportBridge.alpn {
            let wt = WebTransportMoQTransport(core: core, server: WebTransportServer(configuration: .init(supportedProtocols: [MoQTEndpoint.alpn])),
                                              now: { MonotonicClock.now() })
            switchable.inner = wt
            webTransport = wt
        }
        if let webTransport {
            MoQTWebTransportBridge.deliver(event, core: core, transport: webTransport, to: session, now: Self.nowMicroseconds(), log: webTransportLog)
        } else {
            MoQTQUICBridge.deliver(event, core: core, to: session, tap: rawStreamTap, now: Self.nowMicroseconds())
        }
        afterInput()
    }

    /// Drains session events to the handler and re-arms the session timer.
    private func afterInput() {
        while let event = session.pollEvent() {
            switch event {
            case .ready(let peer):
                if webTransport != nil, peer.path != nil || peer.authority != nil {
                    // draft-18: over WebTransport the path and authority are the CONNECT's; the SETUP
                    // options must not carry them.
                    session.close(code: peer.path != nil ? .invalidPath : .invalidAuthority,
                                  reason: "\(peer.path != nil ? "PATH" : "AUTHORITY") setup option over WebTransport")
                    continue
                }
                isReady = true
                MoQTEndpoint.sessionReadyLog?("MoQT session ready: \(session.draft) (\(webTransport != nil ? "WebTransport" : session.draft.alpn))")
                // A session is meant to stay open while its application holds it (a publisher may
                // wait hours for its first subscriber): keep the connection alive from now on.
                quic.coreOnLoop.keepAlive = MoQTEndpoint.transportOptions.keepAlive
                let waiters = readyWaiters
                readyWaiters.removeAll()
                for w in waiters { w.resume() }
            case .closed(let code, let reason, let byPeer):
                closeInfo = (code, reason, byPeer)
                let waiters = readyWaiters
                readyWaiters.removeAll()
                for w in waiters { w.resume(throwing: MoQTNetError.sessionClosed(code: code, reason: reason)) }
                let closed = closedWaiters
                closedWaiters.removeAll()
                for w in closed { w.resume() }
                timer?.cancel()
                if webTransport != nil {
                    // The WebTransport session ended (CLOSE capsule or FIN) but its QUIC connection is the
                    // browser's to close; if it does not within a second, close it here.
                    let quic = self.quic
                    eventLoop.scheduleTask(in: .seconds(1)) {
                        quic.withCoreOnLoop { $0.close(applicationErrorCode: HTTP3ErrorCode.noError.rawValue, reason: "", now: MonotonicClock.now()) }
                    }
                }
            default:
                break
            }
            handler?.moqtConnection(self, didReceive: event)
        }
        armTimer()
    }

    private func armTimer() {
        guard let deadline = session.nextTimeout else {
            timer?.cancel(); timer = nil; timerDeadline = nil
            return
        }
        if timerDeadline == deadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        let now = Self.nowMicroseconds()
        let delay = deadline > now ? deadline - now : 0
        timer = eventLoop.scheduleTask(in: .microseconds(Int64(clamping: delay))) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.timerDeadline = nil
            self.performOnLoop { $0.handleTimeout(now: Self.nowMicroseconds()) }
        }
    }
}

extension MoQTConnection {
    /// Waits until everything queued was sent and acknowledged (no session backlog, nothing in
    /// flight), or `timeout` seconds passed. Call before closing after the last write.
    public func waitUntilDrained(timeout: Double = 5) async {
        let deadline = MonotonicClock.now().nanoseconds + UInt64(timeout * 1e9)
        while MonotonicClock.now().nanoseconds < deadline {
            let drained = (try? await eventLoop.submit { () -> Bool in
                if self.session.isClosed { return true }
                return self.session.queuedByteCount == 0 && self.quic.withCoreOnLoop { $0.bytesInFlight == 0 }
            }.get()) ?? true
            if drained { return }
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}

extension MoQTConnection {
    /// Why the session ended, in words for logs and error messages (nil while it is open): who
    /// closed it and with which code, or the idle timeout, or a stateless reset.
    public var closeDescription: String? {
        guard let info = closeInfo else { return nil }
        return Self.describeClose(code: info.code, reason: info.reason, byPeer: info.byPeer, transport: transportCloseReason)
    }

    /// See `closeDescription`.
    public static func describeClose(code: SessionErrorCode, reason: String, byPeer: Bool, transport: ConnectionCloseReason?) -> String {
        func withReason(_ s: String, _ r: String) -> String { r.isEmpty ? s : "\(s): \(r)" }
        if !byPeer { return withReason("closed by us with \(code)", reason) }
        switch transport {
        case .idleTimeout?: return "idle timeout (nothing heard from the peer)"
        case .statelessReset?: return "stateless reset from the peer (it lost the connection's state)"
        case .peerApplicationClose(let c, let r)?: return withReason("closed by the peer with \(SessionErrorCode(rawValue: c))", r)
        case .peerTransportError(let e)?: return "closed by the peer with a QUIC transport error: \(e)"
        case .localTransportError(let e)?: return "closed by us with a QUIC transport error: \(e)"
        case .localApplicationClose(let c, let r)?: return withReason("closed by us with \(SessionErrorCode(rawValue: c))", r)
        case .versionNegotiationFailed?: return "QUIC version negotiation failed"
        case nil: return withReason("closed by the peer with \(code)", reason)
        }
    }
}
