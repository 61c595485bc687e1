import Wire

/// Creates the TLS session of a connection, given our encoded transport parameters (which TLS
/// carries in its quic_transport_parameters extension).
public typealias TLSSessionFactory = (_ localTransportParameters: [UInt8]) throws -> any QUICTLSSession

/// One QUIC connection as a pure state machine (sans-I/O): no sockets, clocks or threads.
///
/// Its methods come in four families:
/// - getters (`role`, `isEstablished`, `isClosed`, `stats`, ...);
/// - inputs: `handle(datagram:from:now:)` and `handleTimeout(now:)`;
/// - application commands: `openStream`, `write`, `finish`, `read`, `resetStream`, `stopSending`, `close`;
/// - outputs: `pollEvent()`, `pollTransmit(now:)`, `nextTimeout`.
///
/// Poll order: after any input or command, (1) drain `pollEvent()` until nil and act on the events
/// (which may issue more commands), (2) drain `pollTransmit(now:)` until nil and send each datagram
/// to `peerAddress`, (3) arm a timer for `nextTimeout` and call `handleTimeout(now:)` when it fires
/// (then poll again). Calling `handleTimeout` early is harmless.
public final class Connection {
    /// Connection lifecycle.
    package enum State: Equatable {
        case handshaking
        case established
        /// We sent CONNECTION_CLOSE; answer packets with it again until `until`.
        case closing(until: QUICTime)
        /// The peer closed; stay silent until `until`.
        case draining(until: QUICTime)
        case closed
    }

    // MARK: Identity and configuration

    /// Client or server.
    public let role: ConnectionRole
    /// Our settings.
    public let configuration: ConnectionConfiguration
    /// The peer's address (no migration yet: fixed at creation).
    public package(set) var peerAddress: QUICPeerAddress
    /// Our connection ID (the peer sends to it).
    public private(set) var localConnectionID: QUICConnectionID
    /// The connection ID we send to.
    public package(set) var peerConnectionID: QUICConnectionID
    /// The Destination Connection ID of the client's first Initial.
    public let originalDestinationConnectionID: QUICConnectionID
    package var retrySourceConnectionID: QUICConnectionID?
    package var token: [UInt8] = []
    package var rng: QUICRandom
    package let tls: any QUICTLSSession
    package var localTransportParameters: TransportParameters
    /// The peer's transport parameters once validated.
    public private(set) var peerTransportParameters: TransportParameters?
    /// Tokens received in NEW_TOKEN frames (client).
    public package(set) var receivedTokens: [[UInt8]] = []

    // MARK: State

    package var state: State = .handshaking
    package var spaces = [PacketSpaceState](repeating: PacketSpaceState(), count: 3)
    package var readKeys = [PacketProtection?](repeating: nil, count: 4)
    package var writeKeys = [PacketProtection?](repeating: nil, count: 4)
    package var keyPhase = false
    /// Both ends sent cleartext_1rtt: 1-RTT packets are neither encrypted nor header-protected.
    package var cleartext = false
    package var nextReadKeys: PacketProtection?
    package var previousReadKeys: PacketProtection?
    package var keyUpdates = 0
    /// First packet number sent in the current key phase (after an update).
    package var keyPhaseFirstPacket: UInt64?
    package let recovery: LossRecovery
    package var events: [ConnectionEvent] = []
    package var eventIndex = 0
    package var handshakeComplete = false
    package var handshakeCompletedReported = false
    package var handshakeConfirmed = false
    package var handshakeDonePending = false
    package var receivedAnyPacket = false
    package var receivedServerInitial = false
    package var retried = false
    package var sentHandshakePacket = false
    /// Server: the client's address is validated (Handshake packet received).
    package var addressValidated: Bool
    package var bytesReceived = 0
    package var bytesSent = 0
    package var closeFrame: ConnectionCloseFrame?
    package var closePending = false
    package var closeReason: ConnectionCloseReason?
    package var lastActivity: QUICTime
    package var ackElicitingSentSinceReceive = false
    package var pathResponses: [[UInt8]] = []
    package var peerConnectionIDs: [UInt64: NewConnectionIDFrame] = [:]
    package var retireConnectionIDsPending: [UInt64] = []
    /// Sequence number of the peer connection ID in use.
    package var peerConnectionIDSequence: UInt64 = 0
    package var pingPending = false
    /// Send keep-alive PINGs (`ConnectionConfiguration.keepAlive`); may be switched at any time.
    public var keepAlive = false
    /// When the last keep-alive PING was queued.
    package var lastKeepAlive: QUICTime?
    /// The peer's latest ACK_FREQUENCY, applied to the ACKs we send (draft-ietf-quic-ack-frequency).
    public package(set) var peerAckFrequency: AckFrequencyFrame?
    /// Our latest ACK_FREQUENCY: waiting to be sent, and the last one sent (sequence numbers increase).
    package var ackFrequencyPending: AckFrequencyFrame?
    public package(set) var ackFrequencySent: AckFrequencyFrame?
    /// The peer asked for an ACK now (IMMEDIATE_ACK).
    package var immediateAckRequested = false
    /// ACK frames received in the application space (benchmarks: ACKs per packet sent).
    public package(set) var ackFramesReceived = 0
    /// Packets received before their keys, retried when keys arrive (bounded).
    package var undecryptablePackets: [(EncryptionLevel, [UInt8])] = []
    /// Our connection IDs by sequence number (0 = the handshake one), still active.
    public package(set) var activeLocalConnectionIDs: [UInt64: QUICConnectionID] = [:]
    /// True while connection IDs were issued that the endpoint has not routed yet (the endpoint
    /// checks this flag instead of hashing every ID of every connection on each transmit poll).
    package var connectionIDsToRoute = true
    package var localConnectionIDTokens: [UInt64: [UInt8]] = [:]
    package var nextLocalConnectionIDSequence: UInt64 = 1
    package var newConnectionIDsPending: [UInt64] = []
    package var issuedConnectionIDs = false
    /// Derives the stateless reset token of one of our connection IDs (set by the endpoint).
    package var resetTokenProvider: ((QUICConnectionID) -> [UInt8])?
    /// PATH_CHALLENGE frames to send, and the one awaiting its PATH_RESPONSE.
    package var pathChallengesPending: [[UInt8]] = []
    package var outstandingPathChallenge: [UInt8]?
    /// Times the peer's address changed, and new paths validated.
    public package(set) var migrations = 0
    public package(set) var pathValidations = 0
    package var pacer: Pacer
    /// When the pacer next allows a packet (set when it held one back).
    package var pacingDeadline: QUICTime?
    /// DATAGRAM payloads waiting to be sent (oldest first, bounded).
    package var pendingDatagrams: [[UInt8]] = []
    /// Observer of packets and recovery state (qlog); nil when not tracing.
    package var tracer: ConnectionTracer?

    // MARK: Streams and flow control

    package var sendStreams: [UInt64: SendStream] = [:]
    package var receiveStreams: [UInt64: ReceiveStream] = [:]
    package var sendQueue: [UInt64] = []
    package var inSendQueue = Set<UInt64>()
    /// Streams we opened, per direction (index 0 = uni, 1 = bidi).
    package var localStreamsOpened: [UInt64] = [0, 0]
    /// Stream limits the peer granted (MAX_STREAMS), index 0 = uni, 1 = bidi.
    package var peerMaxStreams: [UInt64] = [0, 0]
    package var streamsBlockedPending: [Bool] = [false, false]
    package var streamsBlockedReported: [UInt64?] = [nil, nil]
    /// Streams the peer opened, per direction.
    package var peerStreamsOpened: [UInt64] = [0, 0]
    /// Peer streams fully closed, per direction.
    package var peerStreamsClosed: [UInt64] = [0, 0]
    /// Our stream limits (MAX_STREAMS we advertised).
    package var localMaxStreams: [UInt64]
    package var maxStreamsPending: [Bool] = [false, false]
    /// Connection-level credit from the peer and what we used.
    package var peerMaxData: UInt64 = 0
    package var sentData: UInt64 = 0
    package var dataBlockedAt: UInt64?
    package var dataBlockedPending = false
    /// Connection-level receive window.
    package var localMaxData: UInt64
    package var dataWindow: UInt64
    package var receivedData: UInt64 = 0
    package var consumedData: UInt64 = 0
    package var maxDataPending = false
    package var lastMaxDataUpdate: QUICTime?

    // MARK: Seams for the kernel fast path (not used yet)

    /// Draws packet numbers; defaults to one counter per space. The fast path will share it with the kernel.
    package var packetNumberAllocator: ((PacketNumberSpace) -> UInt64)?
    /// Draws IDs for streams we open; defaults to sequential allocation.
    package var streamIDAllocator: ((_ bidirectional: Bool) -> UInt64)?
    /// Told about changes the fast path mirrors (see `ConnectionObserver`). Held strongly; released
    /// when the connection is closed.
    package var observer: ConnectionObserver? {
        didSet { reportedCongestion = (-1, -1) }
    }
    /// Supplies the bytes of external streams (see `createExternalStream`). Held strongly; released
    /// when the connection is closed.
    package var streamDataSource: StreamDataSource?
    /// The RESET_STREAM error code used when `streamDataSource` no longer has bytes the connection needs.
    package var unavailableResetCode: UInt64 = 0
    /// Indexes of the streams we created, per direction (index 0 = uni, 1 = bidi): IDs may come from
    /// an allocator shared with the kernel, out of order, and must never be reused.
    package var createdLocalStreams = [RangeSet(), RangeSet()]
    /// 1-RTT packet numbers the peer acknowledged, remembered while an allocator is set: a kernel packet
    /// registered after its ACK was read is settled as acknowledged instead of being declared lost.
    package var acknowledgedPacketNumbers = RangeSet()
    /// The congestion state last told to the observer.
    package var reportedCongestion: (window: Int, bytesInFlight: Int) = (-1, -1)

    // MARK: Statistics

    /// Counters for tests and reports.
    public struct Stats: Sendable, Equatable {
        public var packetsSent = 0
        public var packetsReceived = 0
        public var packetsLost = 0
        public var packetsDropped = 0
        public var bytesSent = 0
        public var bytesReceived = 0
        public var streamBytesRetransmitted: UInt64 = 0
        public var ptoCount = 0
    }
    package var statsStorage = Stats()

    // MARK: Creation

    /// A client connection. The first `pollTransmit` returns its Initial.
    public init(clientConfiguration configuration: ConnectionConfiguration, peerAddress: QUICPeerAddress,
                tlsFactory: TLSSessionFactory, now: QUICTime) throws {
        self.role = .client
        self.configuration = configuration
        self.peerAddress = peerAddress
        var rng = configuration.randomSeed.map { QUICRandom(seed: $0) } ?? QUICRandom()
        localConnectionID = .random(length: configuration.connectionIDLength, using: &rng)
        activeLocalConnectionIDs[0] = localConnectionID
        let odcid = QUICConnectionID.random(length: 8, using: &rng)
        originalDestinationConnectionID = odcid
        peerConnectionID = odcid
        self.rng = rng
        addressValidated = true
        lastActivity = now
        keepAlive = configuration.keepAlive
        localMaxData = configuration.initialMaxData
        dataWindow = configuration.initialMaxData
        localMaxStreams = [configuration.initialMaxStreamsUni, configuration.initialMaxStreamsBidi]
        pacer = Pacer(maxDatagramSize: configuration.maxDatagramSize)
        recovery = LossRecovery(isServer: false, congestion: Self.makeCongestionController(configuration),
                                initialRtt: configuration.initialRtt)
        var tp = Self.baseTransportParameters(configuration)
        tp.initialSourceConnectionID = localConnectionID
        localTransportParameters = tp
        tls = try tlsFactory(tp.encode())
        let keys = InitialSecrets.protections(destinationConnectionID: odcid.bytes)
        readKeys[EncryptionLevel.initial.rawValue] = keys.server
        writeKeys[EncryptionLevel.initial.rawValue] = keys.client
        tracer = Connection.tracerFactory?(self, now)
        do { try tls.start() } catch { enterClosing(.localTransportError(QUICError(.crypto(alert: error.alert), error.reason)), now: now) }
        processTLSEvents(now: now)
    }

    /// A server connection for a client's first Initial packet (already checked by the endpoint:
    /// version 1, datagram of at least 1200 bytes). Feed the datagram with `handle(datagram:from:now:)` next.
    public init(serverConfiguration configuration: ConnectionConfiguration, peerAddress: QUICPeerAddress,
                initialHeader: PacketHeader, originalDestinationConnectionID odcid: QUICConnectionID? = nil,
                retrySourceConnectionID: QUICConnectionID? = nil,
                statelessResetToken: ((QUICConnectionID) -> [UInt8])? = nil,
                tlsFactory: TLSSessionFactory, now: QUICTime) throws {
        self.role = .server
        self.configuration = configuration
        self.peerAddress = peerAddress
        var rng = configuration.randomSeed.map { QUICRandom(seed: $0) } ?? QUICRandom()
        localConnectionID = .random(length: configuration.connectionIDLength, using: &rng)
        activeLocalConnectionIDs[0] = localConnectionID
        resetTokenProvider = statelessResetToken
        originalDestinationConnectionID = odcid ?? initialHeader.destinationConnectionID
        peerConnectionID = initialHeader.sourceConnectionID
        self.retrySourceConnectionID = retrySourceConnectionID
        addressValidated = retrySourceConnectionID != nil
        lastActivity = now
        keepAlive = configuration.keepAlive
        localMaxData = configuration.initialMaxData
        dataWindow = configuration.initialMaxData
        localMaxStreams = [configuration.initialMaxStreamsUni, configuration.initialMaxStreamsBidi]
        pacer = Pacer(maxDatagramSize: configuration.maxDatagramSize)
        recovery = LossRecovery(isServer: true, congestion: Self.makeCongestionController(configuration),
                                initialRtt: configuration.initialRtt)
        var tp = Self.baseTransportParameters(configuration)
        tp.initialSourceConnectionID = localConnectionID
        tp.originalDestinationConnectionID = originalDestinationConnectionID
        tp.retrySourceConnectionID = retrySourceConnectionID
        tp.statelessResetToken = statelessResetToken?(localConnectionID) ?? rng.bytes(16)
        self.rng = rng
        localTransportParameters = tp
        tls = try tlsFactory(tp.encode())
        // Initial keys come from the Destination Connection ID of the Initial being answered.
        let keys = InitialSecrets.protections(destinationConnectionID: initialHeader.destinationConnectionID.bytes)
        readKeys[EncryptionLevel.initial.rawValue] = keys.client
        writeKeys[EncryptionLevel.initial.rawValue] = keys.server
        tracer = Connection.tracerFactory?(self, now)
        do { try tls.start() } catch { enterClosing(.localTransportError(QUICError(.crypto(alert: error.alert), error.reason)), now: now) }
        processTLSEvents(now: now)
    }

    /// The congestion controller the configuration asks for.
    static func makeCongestionController(_ c: ConnectionConfiguration) -> CongestionController {
        switch c.congestionControl {
        case .newReno: return NewRenoCongestionController(maxDatagramSize: c.maxDatagramSize)
        case .cubic: return CubicCongestionController(maxDatagramSize: c.maxDatagramSize)
        }
    }

    static func baseTransportParameters(_ c: ConnectionConfiguration) -> TransportParameters {
        var tp = TransportParameters()
        tp.maxIdleTimeout = c.maxIdleTimeout.nanoseconds / 1_000_000
        tp.maxUDPPayloadSize = UInt64(max(1200, c.maxDatagramSize))
        tp.initialMaxData = c.initialMaxData
        tp.initialMaxStreamDataBidiLocal = c.initialMaxStreamData
        tp.initialMaxStreamDataBidiRemote = c.initialMaxStreamData
        tp.initialMaxStreamDataUni = c.initialMaxStreamData
        tp.initialMaxStreamsBidi = c.initialMaxStreamsBidi
        tp.initialMaxStreamsUni = c.initialMaxStreamsUni
        tp.ackDelayExponent = c.ackDelayExponent
        tp.maxAckDelay = c.maxAckDelay.nanoseconds / 1_000_000
        tp.minAckDelay = c.minAckDelay.map { min($0, c.maxAckDelay).microseconds }
        tp.activeConnectionIDLimit = 4
        tp.maxDatagramFrameSize = c.maxDatagramFrameSize
        tp.cleartext1RTT = c.allowCleartext
        return tp
    }

    // MARK: Getters

    /// True once the handshake completed and until the connection starts closing.
    public var isEstablished: Bool { state == .established }
    /// True once closing, draining or closed.
    public var isClosing: Bool {
        switch state {
        case .handshaking, .established: return false
        default: return true
        }
    }
    /// True when nothing more will happen: forget the connection.
    public var isClosed: Bool { state == .closed }
    /// Why the connection closed, once it did.
    public var closeReasonIfClosed: ConnectionCloseReason? { closeReason }
    /// The negotiated ALPN protocol.
    public var negotiatedALPN: String? { tls.negotiatedALPN }
    /// Counters.
    public var stats: Stats {
        var s = statsStorage
        s.packetsLost = recovery.packetsLost
        s.ptoCount = recovery.ptoFired
        s.bytesSent = bytesSent
        s.bytesReceived = bytesReceived
        return s
    }
    /// The smoothed RTT.
    public var smoothedRTT: QUICDuration { recovery.rtt.smoothedRtt }
    /// The congestion window in bytes.
    public var congestionWindow: Int { recovery.congestion.congestionWindow }
    /// Bytes in flight.
    public var bytesInFlight: Int { recovery.bytesInFlight }
    /// Number of 1-RTT key updates performed.
    public var keyUpdateCount: Int { keyUpdates }
    /// True when both ends offered cleartext_1rtt (known once the peer's transport parameters
    /// arrived, before any 1-RTT packet): 1-RTT packets are sent and accepted WITHOUT protection.
    public var isCleartext: Bool { cleartext }

    // MARK: Events

    /// The next event, or nil. Drain after every input and command.
    public func pollEvent() -> ConnectionEvent? {
        guard eventIndex < events.count else {
            if !events.isEmpty { events.removeAll(keepingCapacity: true); eventIndex = 0 }
            return nil
        }
        defer { eventIndex += 1 }
        return events[eventIndex]
    }

    package func emit(_ event: ConnectionEvent) { events.append(event); tracer?.connectionEvent(event) }

    // MARK: Key management

    package func installKeys(level: EncryptionLevel, direction: TLSDirection, protection: PacketProtection) {
        switch direction {
        case .read: readKeys[level.rawValue] = protection
        case .write: writeKeys[level.rawValue] = protection
        }
        if level == .handshake { recovery.hasHandshakeKeys = true }
    }

    /// Discards a space's keys and recovery state (RFC 9001 §4.9).
    package func discardKeys(_ space: PacketNumberSpace, now: QUICTime) {
        guard !spaces[space.rawValue].discarded else { return }
        let level = space.sendLevel
        readKeys[level.rawValue] = nil
        writeKeys[level.rawValue] = nil
        spaces[space.rawValue].discarded = true
        spaces[space.rawValue].ackPending = false
        spaces[space.rawValue].cryptoSend = SendBuffer()
        recovery.discardSpace(space, now: now)
    }

    /// Issues connection IDs up to the peer's active_connection_id_limit (at most 4 in all).
    package func issueConnectionIDs() {
        let limit = Int(min(peerTransportParameters?.activeConnectionIDLimit ?? 2, 4))
        while activeLocalConnectionIDs.count < limit {
            let seq = nextLocalConnectionIDSequence
            nextLocalConnectionIDSequence += 1
            let cid = QUICConnectionID.random(length: configuration.connectionIDLength, using: &rng)
            activeLocalConnectionIDs[seq] = cid
            connectionIDsToRoute = true
            localConnectionIDTokens[seq] = resetTokenProvider?(cid) ?? rng.bytes(16)
            newConnectionIDsPending.append(seq)
            observer?.connectionIssuedLocalConnectionID(self, cid, sequence: seq)
        }
    }

    /// The handshake is confirmed (RFC 9001 §4.1.2): drop Handshake keys.
    package func confirmHandshake(now: QUICTime) {
        guard !handshakeConfirmed else { return }
        handshakeConfirmed = true
        if configuration.connectionIDLength > 0 { issueConnectionIDs() }
        recovery.handshakeConfirmed = true
        recovery.peerCompletedAddressValidation = true
        discardKeys(.initial, now: now)
        discardKeys(.handshake, now: now)
        updateAckFrequencyRequest()
    }

    // MARK: TLS

    /// Applies every pending TLS output.
    package func processTLSEvents(now: QUICTime) {
        while let event = tls.pollEvent() {
            switch event {
            case .handshakeData(let level, let bytes):
                spaces[PacketNumberSpace(level).rawValue].cryptoSend.append(bytes)
            case .secret(let level, let direction, let suite, let secret):
                installKeys(level: level, direction: direction, protection: PacketProtection(suite: suite, secret: secret))
            case .handshakeComplete:
                handshakeComplete = true
            }
        }
        if peerTransportParameters == nil, let raw = tls.peerTransportParameters {
            do { try applyPeerTransportParameters(raw) } catch {
                enterClosing(.localTransportError(error), now: now)
                return
            }
        }
        if handshakeComplete && !handshakeCompletedReported {
            guard peerTransportParameters != nil else {
                enterClosing(.localTransportError(QUICError(.transportParameterError, "peer sent no transport parameters")), now: now)
                return
            }
            handshakeCompletedReported = true
            if state == .handshaking { state = .established }
            emit(.handshakeCompleted(alpn: tls.negotiatedALPN))
            if role == .server {
                handshakeDonePending = true
                confirmHandshake(now: now)
            }
            resetIdleTimer(now: now)
        }
    }

    /// Validates and applies the peer's transport parameters (RFC 9000 §7.3, §18).
    package func applyPeerTransportParameters(_ raw: [UInt8]) throws(QUICError) {
        let tp = try TransportParameters.decode(raw, sentBy: role.peer)
        func mismatch(_ what: String) -> QUICError { QUICError(.transportParameterError, what) }
        guard let iscid = tp.initialSourceConnectionID else { throw mismatch("missing initial_source_connection_id") }
        guard iscid == peerConnectionID else { throw mismatch("initial_source_connection_id mismatch") }
        if role == .client {
            guard let odcid = tp.originalDestinationConnectionID else { throw mismatch("missing original_destination_connection_id") }
            guard odcid == originalDestinationConnectionID else { throw mismatch("original_destination_connection_id mismatch") }
            if retried {
                guard tp.retrySourceConnectionID == retrySourceConnectionID else { throw mismatch("retry_source_connection_id mismatch") }
            } else if tp.retrySourceConnectionID != nil {
                throw mismatch("retry_source_connection_id without Retry")
            }
        }
        peerTransportParameters = tp
        cleartext = configuration.allowCleartext && tp.cleartext1RTT
        peerMaxData = tp.initialMaxData
        peerMaxStreams = [tp.initialMaxStreamsUni, tp.initialMaxStreamsBidi]
        recovery.maxAckDelay = .milliseconds(tp.maxAckDelay)
        for (id, stream) in sendStreams {
            let credit = initialSendCredit(for: id)
            if credit > stream.maxStreamData {
                stream.maxStreamData = credit
                observer?.connectionPeerMaxStreamDataChanged(self, streamID: id, maxStreamData: credit)
            }
        }
        if let observer {
            observer.connectionPeerMaxDataChanged(self, maxData: peerMaxData)
            observer.connectionPeerMaxStreamsChanged(self, bidirectional: false, maxStreams: peerMaxStreams[0])
            observer.connectionPeerMaxStreamsChanged(self, bidirectional: true, maxStreams: peerMaxStreams[1])
        }
    }

    /// The send credit a new stream starts with (from the peer's transport parameters).
    package func initialSendCredit(for id: UInt64) -> UInt64 {
        guard let tp = peerTransportParameters else { return 0 }
        if !StreamID.isBidirectional(id) { return tp.initialMaxStreamDataUni }
        // Peer's bidi_remote applies to streams we open; bidi_local to streams it opened.
        return StreamID.initiator(id) == role ? tp.initialMaxStreamDataBidiRemote : tp.initialMaxStreamDataBidiLocal
    }

    // MARK: Closing

    /// Closes the connection at the application's request (CONNECTION_CLOSE 0x1d).
    public func close(applicationErrorCode: UInt64, reason: String = "", now: QUICTime) {
        guard !isClosing else { return }
        enterClosing(.localApplicationClose(errorCode: applicationErrorCode, reason: reason), now: now)
    }

    /// Starts the closing period (we send CONNECTION_CLOSE) or, for peer closes, the draining period.
    package func enterClosing(_ reason: ConnectionCloseReason, now: QUICTime) {
        guard !isClosing else { return }
        closeReason = reason
        let period = recovery.ptoPeriod * 3
        switch reason {
        case .localTransportError(let e):
            closeFrame = ConnectionCloseFrame(isApplication: false, errorCode: e.code.rawValue, frameType: e.frameType ?? 0, reason: Array(e.reason.utf8.prefix(200)))
            closePending = true
            state = .closing(until: now + period)
        case .localApplicationClose(let code, let why):
            closeFrame = ConnectionCloseFrame(isApplication: true, errorCode: code, reason: Array(why.utf8.prefix(200)))
            closePending = true
            state = .closing(until: now + period)
        case .peerTransportError, .peerApplicationClose:
            state = .draining(until: now + period)
        case .statelessReset:
            state = .draining(until: now + period)
        case .idleTimeout, .versionNegotiationFailed:
            state = .closed
        }
        defer { if state == .closed { observer = nil; streamDataSource = nil } }
        emit(.connectionClosed(reason))
    }

    /// Closes with a transport error.
    package func fail(_ error: QUICError, now: QUICTime) {
        enterClosing(.localTransportError(error), now: now)
    }

    // MARK: Timers

    /// The idle timeout both sides agreed on (RFC 9000 §10.1), at least three PTOs.
    package var effectiveIdleTimeout: QUICDuration? {
        let local = configuration.maxIdleTimeout
        let peer = QUICDuration.milliseconds(peerTransportParameters?.maxIdleTimeout ?? 0)
        let chosen: QUICDuration
        switch (local.nanoseconds, peer.nanoseconds) {
        case (0, 0): return nil
        case (0, _): chosen = peer
        case (_, 0): chosen = local
        default: chosen = min(local, peer)
        }
        return max(chosen, recovery.ptoPeriod * 3)
    }

    package func resetIdleTimer(now: QUICTime) { lastActivity = now }

    /// The peer offered min_ack_delay: it accepts ACK_FREQUENCY and IMMEDIATE_ACK.
    public var peerAcceptsAckFrequency: Bool { peerTransportParameters?.minAckDelay != nil }

    /// Queues an ACK_FREQUENCY (`configuration.ackFrequency`) when none was sent yet, or when the
    /// delay to request moved by more than the policy's tolerance (the RTT changed).
    package func updateAckFrequencyRequest() {
        guard let policy = configuration.ackFrequency, handshakeConfirmed, !isClosing,
              let peerMin = peerTransportParameters?.minAckDelay else { return }
        let delay = policy.requestedDelay(smoothedRTT: recovery.rtt.smoothedRtt, peerMinAckDelay: .microseconds(peerMin))
        if let last = ackFrequencySent {
            let before = Double(last.requestedMaxAckDelay), now = Double(delay.microseconds)
            guard abs(now - before) > policy.updateTolerance * before else { return }
        }
        let f = AckFrequencyFrame(sequenceNumber: ackFrequencySent.map { $0.sequenceNumber + 1 } ?? 0,
                                  ackElicitingThreshold: policy.ackElicitingThreshold,
                                  requestedMaxAckDelay: delay.microseconds, reorderingThreshold: policy.reorderingThreshold)
        ackFrequencySent = f
        ackFrequencyPending = f
        // The PTO allows for the larger of the old and the new delay (draft-ietf-quic-ack-frequency §7).
        if delay > recovery.maxAckDelay { recovery.maxAckDelay = delay }
    }

    /// When the next keep-alive PING is due: a third of the idle timeout after the later of the last
    /// activity and the last keep-alive, once the handshake is confirmed.
    package var keepAliveDeadline: QUICTime? {
        guard keepAlive, handshakeConfirmed, !pingPending, state == .established, let idle = effectiveIdleTimeout else { return nil }
        var from = lastActivity
        if let k = lastKeepAlive, from < k { from = k }
        return from + idle / 3
    }

    /// When `handleTimeout(now:)` must next be called, or nil.
    public var nextTimeout: QUICTime? {
        switch state {
        case .closed: return nil
        case .closing(let until), .draining(let until): return until
        default: break
        }
        var t: QUICTime? = recovery.lossDetectionTimer
        func consider(_ x: QUICTime?) {
            guard let x else { return }
            t = t.map { min($0, x) } ?? x
        }
        if let idle = effectiveIdleTimeout { consider(lastActivity + idle) }
        consider(keepAliveDeadline)
        consider(pacingDeadline)
        for space in spaces where space.ackPending && !space.discarded { consider(space.ackDeadline) }
        return t
    }

    /// Fires whatever timers are due.
    public func handleTimeout(now: QUICTime) {
        switch state {
        case .closed: return
        case .closing(let until), .draining(let until):
            if now >= until {
                state = .closed
                observer = nil
                streamDataSource = nil
            }
            return
        default: break
        }
        defer { reportCongestionIfChanged() }
        if let pacing = pacingDeadline, now >= pacing { pacingDeadline = nil }
        if let idle = effectiveIdleTimeout, now >= lastActivity + idle {
            enterClosing(.idleTimeout, now: now)
            return
        }
        if let due = keepAliveDeadline, now >= due {
            pingPending = true
            lastKeepAlive = now
        }
        if let timer = recovery.lossDetectionTimer, now >= timer {
            switch recovery.onLossDetectionTimeout(now: now) {
            case .none: break
            case .lost(let packets): tracer?.packetsLost(packets, now: now); for p in packets { onPacketLost(p) }
            case .probe(let space, let count):
                spaces[space.rawValue].probesPending += count
            }
        }
    }
}
