import Crypto
import Wire

/// A sans-I/O QUIC endpoint: routes datagrams to connections by Destination Connection ID,
/// creates server connections for new Initials, answers unknown versions with Version
/// Negotiation, optionally validates addresses with Retry, and collects outgoing datagrams
/// with their destinations.
///
/// Poll order mirrors `Connection`: after `handle(datagram:from:now:)`, `handleTimeout(now:)` or a
/// command on one of its connections, drain `pollEvent()` and each connection's `pollEvent()`,
/// then `pollTransmit(now:)` until nil, then arm a timer for `nextTimeout`.
public final class Endpoint {
    /// Settings.
    public let configuration: EndpointConfiguration
    /// Creates TLS sessions for incoming connections.
    public var serverTLSFactory: TLSSessionFactory?
    private var connections: [ConnectionHandle: Connection] = [:]
    private var order: [ConnectionHandle] = []
    private var routes: [QUICConnectionID: ConnectionHandle] = [:]
    private var initialRoutes: [QUICConnectionID: ConnectionHandle] = [:]
    private var nextHandle = 0
    private var statelessQueue: [OutgoingDatagram] = []
    private var events: [EndpointEvent] = []
    private var roundRobin = 0
    /// Server connections whose handshake had not completed when last looked at.
    private var halfOpen: Set<ConnectionHandle> = []
    /// Live server connections per client IP address, and the address each was counted under.
    private var connectionsPerAddress: [[UInt8]: Int] = [:]
    private var countedAddress: [ConnectionHandle: [UInt8]] = [:]
    private var rng: QUICRandom
    private let tokenKey: SymmetricKey

    /// An endpoint; give `serverTLSFactory` to accept connections.
    public init(configuration: EndpointConfiguration, serverTLSFactory: TLSSessionFactory? = nil) {
        self.configuration = configuration
        self.serverTLSFactory = serverTLSFactory
        var rng = configuration.connection.randomSeed.map { QUICRandom(seed: $0 ^ 0x5eed) } ?? QUICRandom()
        tokenKey = SymmetricKey(data: configuration.tokenKey ?? rng.bytes(32))
        self.rng = rng
    }

    /// The connection with this handle (nil once removed).
    public func connection(_ handle: ConnectionHandle) -> Connection? { connections[handle] }

    /// Handles of live connections.
    public var connectionHandles: [ConnectionHandle] { order }

    /// Starts a client connection to `address`.
    public func connect(to address: QUICPeerAddress, configuration: ConnectionConfiguration? = nil,
                        tlsFactory: TLSSessionFactory, now: QUICTime) throws -> ConnectionHandle {
        var config = configuration ?? self.configuration.connection
        if config.randomSeed != nil { config.randomSeed = config.randomSeed! &+ UInt64(nextHandle) &* 7919 }
        let connection = try Connection(clientConfiguration: config, peerAddress: address, tlsFactory: tlsFactory, now: now)
        connection.resetTokenProvider = { [unowned self] cid in self.statelessResetToken(for: cid) }
        return add(connection)
    }

    private func add(_ connection: Connection) -> ConnectionHandle {
        let handle = ConnectionHandle(rawValue: nextHandle)
        nextHandle += 1
        connections[handle] = connection
        order.append(handle)
        routes[connection.localConnectionID] = handle
        return handle
    }

    /// Entries in the connection-ID routing tables (for leak checks).
    package var routingEntryCount: Int { routes.count + initialRoutes.count }

    /// The next endpoint event, or nil.
    public func pollEvent() -> EndpointEvent? { events.isEmpty ? nil : events.removeFirst() }

    // MARK: Input

    /// Routes one received datagram; returns the existing connection it went to (a new connection
    /// is announced with `.incomingConnection` instead).
    @discardableResult
    public func handle(datagram: [UInt8], from address: QUICPeerAddress, now: QUICTime) -> ConnectionHandle? {
        let cidLength = configuration.connection.connectionIDLength
        if let first = datagram.first, first & 0x80 != 0, datagram.count >= 5 {
            let version = UInt32(datagram[1]) << 24 | UInt32(datagram[2]) << 16 | UInt32(datagram[3]) << 8 | UInt32(datagram[4])
            if version != QUICVersion.v1 && version != 0 {
                answerUnknownVersion(datagram, from: address)
                return nil
            }
        }
        guard let dcid = PacketHeader.destinationConnectionID(of: datagram, shortHeaderConnectionIDLength: cidLength) else { return nil }
        if let handle = routes[dcid] ?? initialRoutes[dcid], let connection = connections[handle] {
            connection.handle(datagram: datagram, from: address, now: now)
            return handle
        }
        // A stateless reset carries a random connection ID: match its trailing token instead.
        if let first = datagram.first, first & 0x80 == 0, datagram.count >= 21 {
            let token = Array(datagram.suffix(16))
            for handle in order {
                guard let c = connections[handle], c.peerTransportParameters?.statelessResetToken == token else { continue }
                c.handle(datagram: datagram, from: address, now: now)
                return handle
            }
        }
        acceptNew(datagram: datagram, destinationConnectionID: dcid, from: address, now: now)
        return nil
    }

    /// True when `datagram` is a QUIC v1 Initial no connection claims: the first packet of a new
    /// connection (what `handle` would pass to the handshake). Lets a driver admit new connections at
    /// its own pace without delaying the datagrams of established ones.
    public func startsNewConnection(_ datagram: [UInt8]) -> Bool {
        guard configuration.acceptsIncoming, datagram.count >= 1200, let first = datagram.first,
              first & 0xb0 == 0x80 else { return false }  // long header, type Initial (v1)
        let version = UInt32(datagram[1]) << 24 | UInt32(datagram[2]) << 16 | UInt32(datagram[3]) << 8 | UInt32(datagram[4])
        guard version == QUICVersion.v1,
              let dcid = PacketHeader.destinationConnectionID(of: datagram, shortHeaderConnectionIDLength: configuration.connection.connectionIDLength)
        else { return false }
        return routes[dcid] == nil && initialRoutes[dcid] == nil
    }

    /// A datagram no connection claims: a client's first Initial (a new connection, announced
    /// with `.incomingConnection`), or something answered statelessly, or dropped.
    private func acceptNew(datagram: [UInt8], destinationConnectionID dcid: QUICConnectionID, from address: QUICPeerAddress, now: QUICTime) {
        let cidLength = configuration.connection.connectionIDLength
        guard configuration.acceptsIncoming, let factory = serverTLSFactory, let first = datagram.first else { return }
        if first & 0x80 == 0 {
            sendStatelessReset(answering: datagram, destinationConnectionID: dcid, to: address)
            return
        }
        // Other versions were answered in `handle` already; a Version Negotiation packet is no Initial.
        guard let header = try? PacketHeader.parse(datagram: datagram, at: 0, shortHeaderConnectionIDLength: cidLength) else { return }
        guard header.type == .initial, datagram.count >= 1200, header.destinationConnectionID.count >= 8 else { return }
        var odcid: QUICConnectionID?
        var retrySCID: QUICConnectionID?
        let retryRequired = configuration.requiresRetry || retryUnderLoad
        if header.token.isEmpty {
            if retryRequired {
                let newSCID = QUICConnectionID.random(length: cidLength, using: &rng)
                let token = makeToken(originalDestinationConnectionID: header.destinationConnectionID, address: address)
                let retry = RetryPacket.encode(destinationConnectionID: header.sourceConnectionID, sourceConnectionID: newSCID,
                                               token: token, originalDestinationConnectionID: header.destinationConnectionID)
                statelessQueue.append(OutgoingDatagram(bytes: retry, destination: address))
                return
            }
        } else if let original = validateToken(header.token, address: address) {
            // The answer to a Retry of ours (sent under load, which may have passed since).
            odcid = original
            retrySCID = header.destinationConnectionID
        } else if retryRequired {
            return
        }
        var config = configuration.connection
        if config.randomSeed != nil { config.randomSeed = config.randomSeed! &+ UInt64(nextHandle) &* 7919 &+ 1 }
        guard let connection = try? Connection(serverConfiguration: config, peerAddress: address, initialHeader: header,
                                               originalDestinationConnectionID: odcid, retrySourceConnectionID: retrySCID,
                                               statelessResetToken: { [unowned self] cid in self.statelessResetToken(for: cid) },
                                               tlsFactory: factory, now: now) else { return }
        // Only a first datagram that decrypts creates state: undecryptable Initials (spoofable
        // by anyone who can send UDP) leave nothing behind.
        connection.handle(datagram: datagram, from: address, now: now)
        guard connection.receivedAnyPacket, !connection.isClosed else { return }
        if let limit = configuration.maxConnectionsPerAddress, connectionsPerAddress[address.ip, default: 0] >= limit,
           liveConnections(from: address.ip) >= limit {
            // Refused: the CONNECTION_CLOSE leaves as a stateless answer, the connection is forgotten.
            connection.fail(QUICError(.connectionRefused, "more than \(limit) connections from this address"), now: now)
            while let bytes = connection.pollTransmit(now: now) { statelessQueue.append(OutgoingDatagram(bytes: bytes, destination: address)) }
            return
        }
        let handle = add(connection)
        connectionsPerAddress[address.ip, default: 0] += 1
        countedAddress[handle] = address.ip
        initialRoutes[header.destinationConnectionID] = handle
        halfOpen.insert(handle)
        events.append(.incomingConnection(handle))
    }

    /// Server connections from `ip` not closing or draining (the count kept per address includes
    /// those until they are removed; looked at only when that count reaches the limit).
    private func liveConnections(from ip: [UInt8]) -> Int {
        countedAddress.reduce(0) { n, e in e.value == ip && !(connections[e.key]?.isClosing ?? true) ? n + 1 : n }
    }

    /// True while `retryAboveHalfOpen` or more server connections are half open.
    private var retryUnderLoad: Bool {
        guard let limit = configuration.retryAboveHalfOpen else { return false }
        return halfOpen.count >= limit && halfOpenConnectionCount >= limit
    }

    /// Server connections whose handshake has not completed (for load checks and tests).
    public var halfOpenConnectionCount: Int {
        halfOpen = halfOpen.filter { connections[$0].map { !$0.handshakeComplete && !$0.isClosed } ?? false }
        return halfOpen.count
    }

    /// A long-header packet of a version we do not speak: a server answers with Version Negotiation
    /// (RFC 9000 §6.1), reading only the version-independent fields (RFC 8999 §5.1), so connection
    /// IDs of any length up to 255 bytes are echoed, and only for datagrams big enough to be a
    /// client's first flight (§14.1), so the answer never amplifies.
    private func answerUnknownVersion(_ datagram: [UInt8], from address: QUICPeerAddress) {
        guard configuration.acceptsIncoming, serverTLSFactory != nil, datagram.count >= 1200 else { return }
        let dcidLength = Int(datagram[5])
        let scidAt = 6 + dcidLength
        guard datagram.count > scidAt else { return }
        let scidLength = Int(datagram[scidAt])
        guard datagram.count >= scidAt + 1 + scidLength else { return }
        let vn = VersionNegotiationPacket.encode(destinationConnectionID: Array(datagram[scidAt + 1..<scidAt + 1 + scidLength]),
                                                 sourceConnectionID: Array(datagram[6..<scidAt]),
                                                 supportedVersions: [QUICVersion.v1, 0x0a0a_0a0a],
                                                 randomByte: UInt8.random(in: 0...127, using: &rng))
        statelessQueue.append(OutgoingDatagram(bytes: vn, destination: address))
    }

    /// The stateless reset token of one of our connection IDs: a MAC under the endpoint's key, so a
    /// restarted endpoint with the same key can still reset connections it forgot.
    public func statelessResetToken(for connectionID: QUICConnectionID) -> [UInt8] {
        Array(Array(HMAC<SHA256>.authenticationCode(for: [0x52] + connectionID.bytes, using: tokenKey)).prefix(16))
    }

    /// Answers a short-header packet for an unknown connection with a stateless reset, smaller than
    /// the packet that triggered it so two endpoints cannot loop (RFC 9000 §10.3.3).
    private func sendStatelessReset(answering datagram: [UInt8], destinationConnectionID: QUICConnectionID, to address: QUICPeerAddress) {
        let size = min(datagram.count - 1, 43)
        guard size >= 21 else { return }
        var bytes = rng.bytes(size - 16)
        bytes[0] = 0x40 | (bytes[0] & 0x3f)
        bytes += statelessResetToken(for: destinationConnectionID)
        statelessQueue.append(OutgoingDatagram(bytes: bytes, destination: address))
    }

    private func tokenMAC(_ odcid: QUICConnectionID, _ address: QUICPeerAddress) -> [UInt8] {
        var data = odcid.bytes + address.ip
        data.append(UInt8(address.port >> 8)); data.append(UInt8(address.port & 0xff))
        return Array(HMAC<SHA256>.authenticationCode(for: data, using: tokenKey))
    }

    private func makeToken(originalDestinationConnectionID odcid: QUICConnectionID, address: QUICPeerAddress) -> [UInt8] {
        [UInt8(odcid.count)] + odcid.bytes + tokenMAC(odcid, address)
    }

    private func validateToken(_ token: [UInt8], address: QUICPeerAddress) -> QUICConnectionID? {
        guard let length = token.first.map(Int.init), length <= 20, token.count == 1 + length + 32 else { return nil }
        let odcid = QUICConnectionID(unchecked: Array(token[1..<1 + length]))
        return Array(token[(1 + length)...]) == tokenMAC(odcid, address) ? odcid : nil
    }

    // MARK: Output

    /// The next datagram to send, or nil: stateless answers first, then the connections round robin.
    public func pollTransmit(now: QUICTime) -> OutgoingDatagram? {
        if let d = pollStatelessTransmit() { return d }
        guard !order.isEmpty else { return nil }
        for step in 0..<order.count {
            let handle = order[(roundRobin + step) % order.count]
            if let d = pollTransmit(now: now, connection: handle) {
                roundRobin = (roundRobin + step + 1) % order.count
                return d
            }
        }
        return nil
    }

    /// The next endpoint-level datagram (version negotiation, retry, stateless reset), or nil.
    public func pollStatelessTransmit() -> OutgoingDatagram? {
        statelessQueue.isEmpty ? nil : statelessQueue.removeFirst()
    }

    /// The next datagram of connection `handle`, or nil. An I/O layer that knows which connections
    /// changed (a datagram routed to them, a timer fired, a command issued) polls only those
    /// (plus `pollStatelessTransmit`) instead of every connection.
    public func pollTransmit(now: QUICTime, connection handle: ConnectionHandle) -> OutgoingDatagram? {
        guard let connection = connections[handle] else { return nil }
        // Route every connection ID the connection has issued.
        if connection.connectionIDsToRoute {
            for cid in connection.activeLocalConnectionIDs.values where routes[cid] == nil { routes[cid] = handle }
            connection.connectionIDsToRoute = false
        }
        guard let bytes = connection.pollTransmit(now: now) else { return nil }
        return OutgoingDatagram(bytes: bytes, destination: connection.peerAddress)
    }

    /// The earliest timer of any connection.
    public var nextTimeout: QUICTime? {
        var t: QUICTime?
        for c in connections.values {
            if let x = c.nextTimeout { t = t.map { min($0, x) } ?? x }
        }
        return t
    }

    /// Fires due timers and forgets closed connections.
    public func handleTimeout(now: QUICTime) { fireTimers(now: now) }

    /// `handleTimeout(now:)` that returns the connections whose timers fired (closed ones are
    /// announced with `.connectionRemoved`).
    @discardableResult
    public func fireTimers(now: QUICTime) -> [ConnectionHandle] {
        var fired: [ConnectionHandle] = []
        for handle in order {
            guard let c = connections[handle] else { continue }
            if let t = c.nextTimeout, t <= now {
                c.handleTimeout(now: now)
                fired.append(handle)
            }
        }
        for handle in order where connections[handle]?.isClosed ?? true {
            guard let c = connections.removeValue(forKey: handle) else { continue }
            if let ip = countedAddress.removeValue(forKey: handle) {
                let left = (connectionsPerAddress[ip] ?? 1) - 1
                connectionsPerAddress[ip] = left > 0 ? left : nil
            }
            routes = routes.filter { $0.value != handle }
            initialRoutes = initialRoutes.filter { $0.value != handle }
            _ = c
            events.append(.connectionRemoved(handle))
        }
        order.removeAll { connections[$0] == nil }
        return fired
    }
}
