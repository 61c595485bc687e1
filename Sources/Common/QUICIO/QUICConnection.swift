import Logging
import NIOCore
import QUIC

/// One QUIC connection of a `QUICEndpoint`, with an async API. Every method may be called from
/// any task; the work hops to the endpoint's event loop.
public final class QUICConnection: @unchecked Sendable {
    /// The endpoint it belongs to.
    /// Strong: a connection the application still holds keeps its endpoint (the endpoint lets go of
    /// the connection when it is removed or the endpoint closes, which ends the cycle).
    public let endpoint: QUICEndpoint
    /// Its handle within the endpoint.
    public let handle: ConnectionHandle
    let core: Connection
    let isIncoming: Bool
    private var streams: [UInt64: QUICStream] = [:]
    private var handshakeDone = false
    private var handshakeWaiters: [CheckedContinuation<Void, Error>] = []
    /// Openers waiting for stream credit; resumed with nil to retry.
    private var streamsAvailableWaiters: [CheckedContinuation<QUICStream?, Error>] = []
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []
    private(set) var failure: QUICIOError?
    /// When set, events go to the delegate instead of the async API (see `QUICConnectionDelegate`).
    private var delegate: QUICConnectionDelegate?
    private let incoming: AsyncStream<QUICStream>.Continuation
    /// Streams the peer opens, in order.
    public let incomingStreams: AsyncStream<QUICStream>
    private let datagramContinuation: AsyncStream<[UInt8]>.Continuation
    /// DATAGRAM frames received (RFC 9221), when enabled in the configuration.
    public let incomingDatagrams: AsyncStream<[UInt8]>

    init(endpoint: QUICEndpoint, handle: ConnectionHandle, core: Connection, isIncoming: Bool = false) {
        self.endpoint = endpoint
        self.handle = handle
        self.core = core
        self.isIncoming = isIncoming
        (incomingStreams, incoming) = AsyncStream.makeStream(of: QUICStream.self)
        (incomingDatagrams, datagramContinuation) = AsyncStream.makeStream(of: [UInt8].self)
    }

    /// The event loop the connection's state lives on.
    public var eventLoop: EventLoop { endpoint.eventLoop }

    /// Hands every later event to `delegate`, synchronously on the event loop. To miss no event,
    /// give the delegate when the connection is created instead (`QUICEndpoint.connect(delegate:)`,
    /// `QUICEndpoint.bind(incomingDelegate:)`).
    public func setDelegate(_ delegate: QUICConnectionDelegate) async throws {
        try await eventLoop.submit {
            self.delegate = delegate
        }.get()
    }

    func setDelegateOnLoop(_ delegate: QUICConnectionDelegate?) {
        eventLoop.preconditionInEventLoop()
        self.delegate = delegate
    }

    /// The core connection, for delegates created on the event loop.
    public var coreOnLoop: Connection {
        eventLoop.preconditionInEventLoop()
        return core
    }

    /// Runs `body` with the core connection on the event loop (no hop: the caller must be on it);
    /// what the commands produced is sent once the tasks already queued on the loop have run
    /// (`QUICEndpoint.processSoon`), so a burst of commands to many connections costs one pass.
    /// For delegates acting outside an event callback, e.g. from their own timers.
    public func withCoreOnLoop<T>(_ body: (Connection) throws -> T) rethrows -> T {
        eventLoop.preconditionInEventLoop()
        defer { endpoint.markDirty(handle); endpoint.processSoon() }
        return try body(core)
    }

    /// The negotiated ALPN protocol.
    public var negotiatedALPN: String? {
        get async { try? await eventLoop.submit { self.core.negotiatedALPN }.get() }
    }

    /// The peer's address.
    public var peerAddress: QUICPeerAddress {
        get async { (try? await eventLoop.submit { self.core.peerAddress }.get()) ?? core.peerAddress }
    }

    /// Runs `body` on the event loop with the core connection, then lets the endpoint send what it produced.
    func withCore<T>(_ body: @escaping (Connection) throws -> T) async throws -> T {
        try await eventLoop.submit {
            if let failure = self.failure { throw failure }
            defer { self.endpoint.markDirty(self.handle); self.endpoint.process() }
            return try body(self.core)
        }.get()
    }

    /// Opens a stream, waiting while the peer's stream limit is reached.
    public func openStream(bidirectional: Bool) async throws -> QUICStream {
        while true {
            // Trying and registering as a waiter happen in one event-loop turn, so a
            // `.streamsAvailable` between the two cannot be missed.
            let opened: QUICStream? = try await withCheckedThrowingContinuation { (c: CheckedContinuation<QUICStream?, Error>) in
                eventLoop.execute {
                    if let failure = self.failure { c.resume(throwing: failure); return }
                    do {
                        let id = try self.core.openStream(bidirectional: bidirectional)
                        let stream = QUICStream(connection: self, id: id)
                        self.streams[id] = stream
                        self.endpoint.markDirty(self.handle)
                        self.endpoint.process()
                        c.resume(returning: stream)
                    } catch let error as StreamError where error == .streamLimitReached {
                        self.streamsAvailableWaiters.append(c)
                    } catch {
                        c.resume(throwing: error)
                    }
                }
            }
            if let opened { return opened }
        }
    }

    /// Opens a unidirectional stream.
    public func openUniStream() async throws -> QUICStream { try await openStream(bidirectional: false) }
    /// Opens a bidirectional stream.
    public func openBidiStream() async throws -> QUICStream { try await openStream(bidirectional: true) }

    /// Closes the connection with an application error code and waits until it is closed or draining.
    public func close(errorCode: UInt64 = 0, reason: String = "") async {
        _ = try? await withCore { core in core.close(applicationErrorCode: errorCode, reason: reason, now: MonotonicClock.now()) }
    }

    /// Waits until the connection has closed.
    public func waitUntilClosed() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            eventLoop.execute {
                if self.failure != nil { c.resume() } else { self.closeWaiters.append(c) }
            }
        }
    }

    /// Why the connection closed, once it has.
    public var closeReason: ConnectionCloseReason? {
        get async { try? await eventLoop.submit { self.core.closeReasonIfClosed }.get() }
    }

    /// Closes the connection with `.timedOut` if its handshake has not completed yet.
    func abandonHandshake() {
        guard !handshakeDone, failure == nil else { return }
        core.close(applicationErrorCode: 0, reason: "handshake timeout", now: MonotonicClock.now())
        fail(.timedOut)
        endpoint.markDirty(handle)
        endpoint.process()
    }

    func waitForHandshake() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            eventLoop.execute {
                if let failure = self.failure { c.resume(throwing: failure) }
                else if self.handshakeDone { c.resume() }
                else { self.handshakeWaiters.append(c) }
            }
        }
    }

    // MARK: Event-loop side

    func stream(_ id: UInt64) -> QUICStream {
        if let s = streams[id] { return s }
        let s = QUICStream(connection: self, id: id)
        streams[id] = s
        return s
    }

    func forget(_ id: UInt64) { streams.removeValue(forKey: id) }

    /// Drains the core's events and dispatches them to waiters and streams.
    func drainEvents() {
        while let event = core.pollEvent() {
            switch event {
            case .handshakeCompleted:
                handshakeDone = true
                if core.isCleartext {
                    endpoint.logger.warning("cleartext 1-RTT in use: packets are NOT encrypted (peer \(core.peerAddress))")
                }
                for w in handshakeWaiters { w.resume() }
                handshakeWaiters.removeAll()
                if isIncoming { endpoint.deliverIncoming(self) }
            case .connectionClosed(let reason):
                if let delegate {
                    delegate.connection(self, core: core, didReceive: event)
                }
                fail(.connectionClosed(reason))
                continue
            default:
                break
            }
            if let delegate {
                if failure == nil { delegate.connection(self, core: core, didReceive: event) }
                continue
            }
            switch event {
            case .handshakeCompleted, .connectionClosed:
                break
            case .streamOpened(let id):
                incoming.yield(stream(id))
            case .streamReadable(let id), .streamFinished(let id):
                streams[id]?.readable()
            case .streamReset(let id, let code):
                streams[id]?.resetByPeer(code)
            case .stopSendingReceived(let id, let code):
                streams[id]?.stopSendingByPeer(code)
            case .streamWritable(let id):
                streams[id]?.writable()
            case .streamsAvailable:
                let waiters = streamsAvailableWaiters
                streamsAvailableWaiters.removeAll()
                for w in waiters { w.resume(returning: nil) }
            case .datagramReceived(let bytes):
                datagramContinuation.yield(bytes)
            }
        }
    }

    /// Fails every waiter; the connection is unusable from now on.
    func fail(_ error: QUICIOError) {
        guard failure == nil else { return }
        failure = error
        for w in handshakeWaiters { w.resume(throwing: error) }
        handshakeWaiters.removeAll()
        for w in streamsAvailableWaiters { w.resume(throwing: error) }
        streamsAvailableWaiters.removeAll()
        for s in streams.values { s.fail(error) }
        for w in closeWaiters { w.resume() }
        closeWaiters.removeAll()
        incoming.finish()
        datagramContinuation.finish()
        streams.removeAll()  // breaks the stream <-> connection cycles
        delegate = nil  // breaks the delegate <-> connection cycle
    }
}
