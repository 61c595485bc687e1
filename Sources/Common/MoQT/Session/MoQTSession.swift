/// A draft-18 MoQ Transport session as a sans-I/O state machine.
///
/// The session owns no sockets, threads or clocks. It runs on the thread of the QUIC connection
/// beneath it and talks to it through `MoQTransport`, synchronously. Its methods come in four
/// families:
/// - getters (`state`, `peerSetupOptions`, `nextTimeout`, ...);
/// - `handle*` inputs: the transport reports stream events, datagrams and timer expiry;
/// - application commands: `start()`, requests (`subscribe`, `publish`, `fetch`, ...), answers
///   (`acceptSubscribe`, `reject`, ...) and data (`openSubgroup`, `writeObject`, ...);
/// - `pollEvent()`: what happened, in order.
///
/// After any input or command, drain `pollEvent()` and re-arm the timer with `nextTimeout`.
/// Time is a parameter everywhere: microseconds on any monotonic scale the caller chooses.
///
/// Protocol violations by the peer close the session with the draft's error code
/// (`transport.close(errorCode:reason:)`) and end in a `.closed` event; local misuse throws
/// `MoQTSessionError` and changes nothing.
public final class MoQTSession {
    /// Where the session is in its life.
    public enum State: Hashable, Sendable {
        /// Created; `start()` not called yet.
        case idle
        /// Our SETUP is sent; the peer's has not arrived.
        case setupSent
        /// Both SETUPs exchanged.
        case ready
        /// Closed with this code.
        case closed(SessionErrorCode)
    }

    /// Client or server.
    public let role: MoQTSessionRole
    /// The configuration given at creation.
    public let configuration: MoQTSessionConfiguration
    /// The transport driven (held strongly: an adapter should hold the session weakly or break
    /// the cycle when the connection ends).
    public let transport: any MoQTransport

    /// The current state.
    public internal(set) var state: State = .idle
    /// The wire profile: set before `start()` from the negotiated ALPN (draft-18 unless told).
    public var draft: MoQTDraft = .draft18 {
        didSet { precondition(state == .idle, "the draft is fixed once the session started") }
    }
    /// The decode options with the session's draft.
    var decodeOptions: Draft18.DecodeOptions { configuration.decodeOptions.with(draft: draft) }
    /// The peer's SETUP options, once received.
    public internal(set) var peerSetupOptions: SetupOptions?
    /// The GOAWAY received from the peer, if any.
    public internal(set) var receivedGoAway: Draft18.GoAway?
    /// The GOAWAY this side sent, if any.
    public internal(set) var sentGoAway: Draft18.GoAway?

    var events: [MoQTSessionEvent] = []
    var eventHead = 0
    var controlStreamID: UInt64?
    var peerControlStreamID: UInt64?
    var peerControlParser: Draft18.ControlStreamParser?
    var sendQueues: [UInt64: SendQueue] = [:]
    /// Request streams by stream ID.
    var requests: [UInt64: RequestStream] = [:]
    /// Request ID to stream ID, for requests of both sides (their parities differ).
    var requestStreams: [UInt64: UInt64] = [:]
    var nextLocalRequestID: UInt64
    var nextPeerRequestID: UInt64
    /// Peer request IDs used at or above `peerRequestIDFloor` (every ID of the peer's parity below
    /// the floor counts as used), so the record stays small however many requests a long session
    /// makes (`acceptPeerRequestID`).
    var usedPeerRequestIDs: Set<UInt64> = []
    var peerRequestIDFloor: UInt64
    var incoming: [UInt64: IncomingUniStream] = [:]
    var outgoing: [UInt64: OutgoingDataStream] = [:]
    /// Subscriber side: alias received in SUBSCRIBE_OK / PUBLISH to the request ID.
    var receivedAliases: [UInt64: UInt64] = [:]
    /// Aliases of subscriptions that ended: late data for them is ignored, not an error.
    var retiredAliases: Set<UInt64> = []
    /// Local subscriptions cancelled before their SUBSCRIBE_OK: their alias is unknown, so data
    /// with an unknown alias may be theirs and is discarded rather than treated as an error.
    var cancelledBeforeAlias = 0
    /// Object datagrams that overtook their SUBSCRIBE_OK (at most `maxParkedDatagrams`, in
    /// arrival order): delivered once the alias is known, dropped once no local SUBSCRIBE waits.
    var parkedDatagrams: [Draft18.ObjectDatagram] = []
    /// Bound of `parkedDatagrams`; later early datagrams are dropped (they are unreliable anyway).
    static let maxParkedDatagrams = 256
    /// Parked subgroup streams reset before their SUBSCRIBE_OK, by alias: reported (and
    /// counted for PUBLISH_DONE) once the alias is known.
    var earlyResets: [UInt64: [(streamID: UInt64, groupID: UInt64, subgroupID: UInt64?, code: UInt64)]] = [:]
    /// Publisher side: alias handed out to the request ID.
    var sentAliases: [UInt64: UInt64] = [:]
    var nextTrackAlias: UInt64
    /// Local FETCH request IDs and their group order (fetch streams need it to parse).
    var localFetchOrders: [UInt64: GroupOrder] = [:]
    /// Requests that ended, so late messages or data for them are recognised.
    var endedRequests: Set<UInt64> = []
    var goAwayDeadline: UInt64?
    /// When the peer's SETUP must have arrived (set by `start(now:)`, cleared by SETUP).
    var setupDeadline: UInt64?
    /// Bytes the peer sent on any stream before its SETUP was read.
    var bytesBeforeSetup = 0
    /// Peer streams this side abandoned (STOP_SENDING sent): their late bytes are dropped.
    var discardedStreams: Set<UInt64> = []
    /// Token Aliases the peer registered (§10.2.2), bounded by our MAX_AUTH_TOKEN_CACHE_SIZE.
    var peerTokens: AuthTokenCache

    /// A session over `transport`. Call `start()` once the connection is established.
    public init(role: MoQTSessionRole, transport: any MoQTransport, configuration: MoQTSessionConfiguration = MoQTSessionConfiguration()) {
        self.role = role
        self.transport = transport
        self.configuration = configuration
        self.nextLocalRequestID = role == .client ? 0 : 1
        self.nextPeerRequestID = role == .client ? 1 : 0
        self.peerRequestIDFloor = role == .client ? 1 : 0
        self.nextTrackAlias = configuration.firstTrackAlias
        self.peerTokens = AuthTokenCache(limit: configuration.setupOptions.maxAuthTokenCacheSize ?? 0)
    }

    // MARK: Getters

    /// True once both SETUPs are exchanged and until the session closes.
    public var isReady: Bool { state == .ready }

    /// True when closed.
    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    /// When `handleTimeout(now:)` must be called next (the SETUP or GOAWAY deadline), if ever.
    public var nextTimeout: UInt64? {
        guard !isClosed else { return nil }
        switch (setupDeadline, goAwayDeadline) {
        case let (a?, b?): return min(a, b)
        case let (a, b): return a ?? b
        }
    }

    /// Bytes waiting in the session's send queues (back-pressure from the transport).
    public var queuedByteCount: Int { sendQueues.values.reduce(0) { $0 + $1.byteCount } }

    /// The Request ID the next local request will get.
    public var nextRequestID: UInt64 { nextLocalRequestID }

    /// The track alias of subscription `requestID` (either side), once known.
    public func trackAlias(ofRequest requestID: UInt64) -> UInt64? {
        guard let s = requestStreams[requestID] else { return nil }
        return requests[s]?.trackAlias
    }

    /// Whether the subscriber currently wants objects of subscription `requestID` (FORWARD),
    /// for a subscription this side publishes.
    public func isForwarding(_ requestID: UInt64) -> Bool {
        guard let s = requestStreams[requestID], let r = requests[s], r.isPublisherSide, r.phase != .ended else { return false }
        return r.forward
    }

    /// Subgroup streams opened so far for subscription `requestID` (what PUBLISH_DONE will count).
    public func streamsOpened(forRequest requestID: UInt64) -> UInt64? {
        guard let s = requestStreams[requestID] else { return nil }
        return requests[s]?.streamsOpened
    }

    /// Counts `count` subgroup streams of subscription `requestID` that were opened outside this
    /// session (the relay's kernel fast path), so PUBLISH_DONE's stream count includes them; a negative
    /// count takes back streams reset before the subscriber could have seen their header.
    public func countStreamsOpenedElsewhere(forRequest requestID: UInt64, count: Int = 1) {
        guard let s = requestStreams[requestID], let r = requests[s] else { return }
        requests[s]?.streamsOpened = count >= 0 ? r.streamsOpened + UInt64(count) : r.streamsOpened - min(r.streamsOpened, UInt64(-count))
    }

    // MARK: Events

    /// The next event, or nil when none is pending.
    public func pollEvent() -> MoQTSessionEvent? {
        guard eventHead < events.count else {
            if !events.isEmpty { events.removeAll(keepingCapacity: true); eventHead = 0 }
            return nil
        }
        let e = events[eventHead]
        eventHead += 1
        if eventHead > 64 && eventHead * 2 > events.count {
            events.removeFirst(eventHead)
            eventHead = 0
        }
        return e
    }

    func emit(_ event: MoQTSessionEvent) { events.append(event) }

    // MARK: Start and close

    /// Opens the control stream and sends SETUP. Call once, when the connection is up.
    public func start() throws {
        try start(now: nil)
    }

    /// `start()` at time `now` (microseconds): with `configuration.setupTimeout`, the peer's
    /// SETUP must arrive by `now + setupTimeout` (see `nextTimeout`).
    public func start(now: UInt64?) throws {
        guard state == .idle else { throw MoQTSessionError.notStarted }
        if let now, let timeout = configuration.setupTimeout, peerSetupOptions == nil {
            setupDeadline = now.addingReportingOverflow(timeout).overflow ? .max : now + timeout
        }
        let id: UInt64
        do { id = try transport.openStream(bidirectional: false) } catch {
            throw MoQTSessionError.transport("\(error)")
        }
        controlStreamID = id
        transport.setPriority(streamID: id, priority: .control)
        var options = configuration.setupOptions
        if draft == .draft18 {
            // Options draft-18 does not define.
            options.maxFilterRanges = nil
            options.maxRequestUpdates = nil
        } else {
            options.maxFilterRanges = maxFilterRanges > 0 ? maxFilterRanges : nil
        }
        if role == .server {
            options.path = nil
            options.authority = nil
        }
        state = .setupSent
        send(.setup(Draft18.Setup(options: options)), on: id)
        if let peer = peerSetupOptions, !isClosed {
            // The peer's SETUP arrived before start().
            state = .ready
            emit(.ready(peerOptions: peer))
        }
        pumpAll()
    }

    /// Closes the session: the transport closes the connection with `code`.
    public func close(code: SessionErrorCode = .noError, reason: String = "") {
        closeSession(MoQTError(code, reason), byPeer: false)
    }

    /// Sends GOAWAY on the control stream: the peer should move to `newSessionURI` (servers only;
    /// clients send it empty). Requests the peer opens afterwards are refused with GOING_AWAY.
    /// With a non-zero `timeout` (milliseconds), the session closes with GOAWAY_TIMEOUT if the
    /// peer has not closed it by then.
    public func goAway(newSessionURI: String = "", timeout: UInt64 = 0, now: UInt64) throws {
        try requireOpen()
        guard sentGoAway == nil, let control = controlStreamID else { throw MoQTSessionError.invalidRequest(0) }
        let g = Draft18.GoAway(newSessionURI: role == .client ? "" : newSessionURI, timeout: timeout,
                               requestID: draft == .draft18 ? nextPeerRequestID : nil)   // draft-22 has no Request ID here
        sentGoAway = g
        if timeout > 0 {
            let (d, o) = now.addingReportingOverflow(timeout.multipliedReportingOverflow(by: 1000).partialValue)
            goAwayDeadline = o ? UInt64.max : d
        }
        send(.goAway(g), on: control)
    }

    /// The timer fired: a GOAWAY deadline may have passed.
    public func handleTimeout(now: UInt64) {
        guard !isClosed else { return }
        if let d = setupDeadline, now >= d, peerSetupOptions == nil {
            setupDeadline = nil
            closeSession(MoQTError(.controlMessageTimeout, "no SETUP within \((configuration.setupTimeout ?? 0) / 1000) ms"), byPeer: false)
            return
        }
        guard let d = goAwayDeadline, now >= d else { return }
        goAwayDeadline = nil
        closeSession(MoQTError(.goawayTimeout, "peer did not close after GOAWAY"), byPeer: false)
    }

    /// The connection closed underneath (by the peer or the transport).
    public func handleConnectionClosed(errorCode: UInt64, reason: String) {
        guard !isClosed else { return }
        let code = SessionErrorCode(rawValue: errorCode)
        state = .closed(code)
        emit(.closed(code: code, reason: reason, byPeer: true))
    }

    func closeSession(_ error: MoQTError, byPeer: Bool) {
        guard !isClosed else { return }
        state = .closed(error.code)
        goAwayDeadline = nil
        setupDeadline = nil
        for k in Array(sendQueues.keys) { sendQueues[k]?.clear() }
        if !byPeer { transport.close(errorCode: error.code.rawValue, reason: error.reason) }
        emit(.closed(code: error.code, reason: error.reason, byPeer: byPeer))
    }

    func requireOpen() throws {
        if isClosed { throw MoQTSessionError.closed }
        if state == .idle { throw MoQTSessionError.notStarted }
    }

    // MARK: Sending

    /// Encodes and queues a control message on `streamID`.
    func send(_ message: Draft18.ControlMessage, on streamID: UInt64) {
        send(bytes: message.encoded(draft: draft), on: streamID)
    }

    /// Writes what the transport takes now and queues the rest. Failures on control or
    /// request streams are session errors.
    @discardableResult
    func send(bytes: [UInt8], on streamID: UInt64) -> Bool {
        guard !isClosed else { return false }
        var q = sendQueues[streamID] ?? SendQueue()
        q.append(bytes)
        do {
            _ = try q.flush { try self.transport.write(streamID: streamID, bytes: $0) }
            sendQueues[streamID] = q
            return true
        } catch {
            sendQueues[streamID] = nil
            if streamID == controlStreamID {
                closeSession(MoQTError(.internalError, "control stream write failed: \(error)"), byPeer: false)
            }
            return false
        }
    }

    /// Sends FIN once every queued byte is out.
    func finishStream(_ streamID: UInt64) {
        guard !isClosed else { return }
        var q = sendQueues[streamID] ?? SendQueue()
        if q.isEmpty {
            sendQueues[streamID] = nil
            try? transport.finish(streamID: streamID)
        } else {
            q.finPending = true
            sendQueues[streamID] = q
        }
    }

    /// Drops queued bytes and resets the stream.
    func resetStream(_ streamID: UInt64, code: UInt64) {
        sendQueues[streamID] = nil
        guard !isClosed else { return }
        try? transport.resetStream(streamID: streamID, errorCode: code)
    }

    /// The transport can take more bytes on `streamID`.
    public func handleStreamWritable(streamID: UInt64) {
        guard !isClosed, var q = sendQueues[streamID] else { return }
        do {
            let drained = try q.flush { try self.transport.write(streamID: streamID, bytes: $0) }
            if drained {
                sendQueues[streamID] = nil
                if q.finPending { try? transport.finish(streamID: streamID) }
            } else {
                sendQueues[streamID] = q
            }
        } catch {
            sendQueues[streamID] = nil
            if streamID == controlStreamID {
                closeSession(MoQTError(.internalError, "control stream write failed: \(error)"), byPeer: false)
            }
        }
    }

    // MARK: Request IDs and aliases

    func allocateRequestID() -> UInt64 {
        let id = nextLocalRequestID
        nextLocalRequestID += 2
        return id
    }

    /// Checks a peer request ID: right parity and never used before. Requests travel on
    /// separate streams, so they may arrive out of order: only reuse is an error.
    func acceptPeerRequestID(_ id: UInt64) throws {
        let peerParity: UInt64 = role == .client ? 1 : 0
        guard id % 2 == peerParity, id >= peerRequestIDFloor, !usedPeerRequestIDs.contains(id) else {
            throw MoQTError(.invalidRequestID, "request ID \(id) has the wrong parity or was used before")
        }
        usedPeerRequestIDs.insert(id)
        if id >= nextPeerRequestID { nextPeerRequestID = id + 2 }
        // IDs come in order but for streams overtaking each other: the floor follows the used
        // ones. An ID skipped for good (its stream reset before it was read) would hold it back
        // for ever, so past `Self.maxPeerRequestIDsTracked` IDs above the floor it moves to the
        // oldest one tracked; an ID that much older than the newest cannot be in flight any more.
        while usedPeerRequestIDs.remove(peerRequestIDFloor) != nil { peerRequestIDFloor += 2 }
        if usedPeerRequestIDs.count > Self.maxPeerRequestIDsTracked, let oldest = usedPeerRequestIDs.min() {
            usedPeerRequestIDs.remove(oldest)
            peerRequestIDFloor = oldest + 2
            while usedPeerRequestIDs.remove(peerRequestIDFloor) != nil { peerRequestIDFloor += 2 }
        }
    }

    /// Bound of the out-of-order peer request IDs remembered above the floor.
    static let maxPeerRequestIDsTracked = 1_024
    /// Bound of `endedRequests` and `retiredAliases`: past it the oldest ended request IDs are
    /// forgotten (late data for them then gets the answer for an unknown request), and retired
    /// aliases all (late data for an unknown alias is discarded with STOP_SENDING anyway).
    static let maxEndedRecords = 8_192

    func noteEnded(_ requestID: UInt64) {
        endedRequests.insert(requestID)
        if endedRequests.count > Self.maxEndedRecords {
            endedRequests = Set(endedRequests.sorted().suffix(Self.maxEndedRecords / 2))
        }
    }

    func noteRetiredAlias(_ alias: UInt64) {
        if retiredAliases.count >= Self.maxEndedRecords { retiredAliases.removeAll() }
        retiredAliases.insert(alias)
    }

    func allocateTrackAlias() -> UInt64 {
        while sentAliases[nextTrackAlias] != nil { nextTrackAlias += 1 }
        let a = nextTrackAlias
        nextTrackAlias += 1
        return a
    }

    /// Stops reading a peer stream: STOP_SENDING, and its late bytes are dropped.
    func discardIncoming(_ streamID: UInt64, code: UInt64) {
        incoming[streamID] = nil
        discardedStreams.insert(streamID)
        try? transport.stopSending(streamID: streamID, errorCode: code)
    }

    func request(_ requestID: UInt64) -> RequestStream? {
        guard let s = requestStreams[requestID] else { return nil }
        return requests[s]
    }
}
