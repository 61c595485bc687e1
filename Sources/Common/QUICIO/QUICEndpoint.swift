import Foundation
import Logging
import NIOCore
import NIOPosix
import QUIC

/// A QUIC endpoint on one UDP socket (SwiftNIO), with an async API: `connect` to servers,
/// `incomingConnections` from clients. All QUIC state lives on the socket's event loop; the
/// sans-I/O `Endpoint` does the protocol work, this class only moves datagrams and timers.
public final class QUICEndpoint: @unchecked Sendable {
    /// The event loop every connection of this endpoint runs on.
    public let eventLoop: EventLoop
    let core: Endpoint
    private var channel: Channel?
    private var connections: [ConnectionHandle: QUICConnection] = [:]
    private var dirty = Set<ConnectionHandle>()
    /// A `processSoon()` pass is queued on the event loop.
    private var processScheduled = false
    /// New connections' Initials waiting for admission, oldest first from `pendingInitialsHead`.
    private var pendingInitials: [([UInt8], QUICPeerAddress)] = []
    private var pendingInitialsHead = 0
    private var admissionScheduled = false
    /// Initials of new connections dropped because the admission queue was full.
    public private(set) var initialsShed = 0
    private var timer: Scheduled<Void>?
    private var timerDeadline: QUICTime?
    private var closed = false
    private var processing = false
    private var processAgain = false
    private let incoming: AsyncStream<QUICConnection>.Continuation
    /// Server connections, yielded once their handshake completes (only on an endpoint bound without
    /// an `incomingDelegate`: with one, the delegate receives every connection instead).
    public let incomingConnections: AsyncStream<QUICConnection>
    let logger: Logger
    /// Makes the delegate of each incoming connection as it is created (on the event loop), so
    /// the delegate sees every event from the first.
    private var incomingDelegate: ((QUICConnection) -> QUICConnectionDelegate?)?
    /// Counters for reports.
    public private(set) var datagramsReceived = 0
    /// Called on the event loop with each received datagram before it is processed (the relay's fast
    /// path registers what the kernel sent to its sender before an ACK for it is read). Set on the
    /// event loop.
    public var beforeEachDatagram: (([UInt8]) -> Void)?
    public private(set) var datagramsSent = 0
    /// Writes that carried several datagrams with UDP GSO.
    public private(set) var gsoWrites = 0
    /// Send with UDP generic segmentation offload (UDP_SEGMENT) when the kernel supports it; on by
    /// default on Linux unless the environment has QUIC_GSO=0. Turned off by itself if the kernel
    /// refuses a GSO write. Change it with `setSegmentationOffload(_:)`.
    public private(set) var usesSegmentationOffload = System.supportsUDPSegmentationOffload
        && ProcessInfo.processInfo.environment["QUIC_GSO"] != "0"
    /// Most segments per GSO write (the kernel's UDP_MAX_SEGMENTS is 64) and most bytes per write.
    static let maxSegments = 64
    static let maxGSOBytes = 65_000

    /// The local UDP address (resolved port when bound to port 0).
    public var localAddress: SocketAddress? { channel?.localAddress }

    private init(eventLoop: EventLoop, core: Endpoint, logger: Logger) {
        self.eventLoop = eventLoop
        self.core = core
        self.logger = logger
        (incomingConnections, incoming) = AsyncStream.makeStream(of: QUICConnection.self)
    }

    /// Binds a UDP socket and starts the endpoint. Give `serverTLSFactory` (and
    /// `configuration.acceptsIncoming = true`) to accept connections.
    public static func bind(host: String, port: Int, configuration: EndpointConfiguration,
                            serverTLSFactory: TLSSessionFactory? = nil,
                            incomingDelegate: ((QUICConnection) -> QUICConnectionDelegate?)? = nil,
                            group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                            logger: Logger = Logger(label: "quic")) async throws -> QUICEndpoint {
        _ = qlogFromEnvironment
        let loop = group.next()
        let endpoint = QUICEndpoint(eventLoop: loop, core: Endpoint(configuration: configuration, serverTLSFactory: serverTLSFactory),
                                    logger: logger)
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.maxMessagesPerRead, value: 64)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65536))
            .channelInitializer { channel in
                channel.pipeline.addHandler(DatagramHandler(endpoint: endpoint))
            }
            .bind(host: host, port: port).get()
        await enlargeSocketBuffers(channel)
        try await loop.submit {
            endpoint.channel = channel
            endpoint.incomingDelegate = incomingDelegate
        }.get()
        return endpoint
    }

    /// `QLOGDIR` in the environment (the variable other QUIC stacks read too): every connection of the
    /// process writes a qlog file into that directory, unless the program installed its own tracer.
    static let qlogFromEnvironment: Void = {
        guard let dir = getenv("QLOGDIR").map({ String(cString: $0) }), !dir.isEmpty, Connection.tracerFactory == nil else { return }
        Connection.tracerFactory = { connection, now in QlogFileTracer(directory: dir, connection: connection, now: now) }
    }()

    /// Bytes of socket buffer asked for in each direction, from `MOQ_SOCKET_BUFFER_BYTES` in the
    /// environment; by default (0) the system's (about 208 KiB: some 90 full-size datagrams).
    ///
    /// Not larger by default, measured: a relay that cannot keep up (200 `--ebpf` subscribers on two
    /// shared cores) with the default buffer loses datagrams to it (UDP RcvbufErrors) but delivered
    /// 4.2 Mbit/s per subscriber with 90-94% of copies on the kernel path; with 8 MiB it read every
    /// datagram, late, and acting on ACKs up to seconds old it delivered 1.3-2.2 Mbit/s with 30-54% on
    /// the kernel path (docs/BENCHMARKS.md). The drops shed load; a queue only delays it.
    public static let socketBufferBytes: Int = {
        if let text = getenv("MOQ_SOCKET_BUFFER_BYTES").map({ String(cString: $0) }), let bytes = Int(text), bytes >= 0 { return bytes }
        return 0
    }()

    /// Asks for `socketBufferBytes`: beyond `net.core.rmem_max` / `wmem_max` with CAP_NET_ADMIN
    /// (SO_RCVBUFFORCE), else up to those limits.
    static func enlargeSocketBuffers(_ channel: Channel) async {
        guard socketBufferBytes > 0 else { return }
        let forced: [(NIOBSDSocket.Option, NIOBSDSocket.Option)] = [
            (NIOBSDSocket.Option(rawValue: 33), .so_rcvbuf),  // SO_RCVBUFFORCE
            (NIOBSDSocket.Option(rawValue: 32), .so_sndbuf),  // SO_SNDBUFFORCE
        ]
        for (force, plain) in forced {
            do {
                try await channel.setOption(.socketOption(force), value: socketBufferBytes).get()
            } catch {
                try? await channel.setOption(.socketOption(plain), value: socketBufferBytes).get()
            }
        }
    }

    /// Opens a connection to `host:port` and waits for its handshake to complete.
    public func connect(host: String, port: Int, tlsFactory: @escaping TLSSessionFactory,
                        configuration: ConnectionConfiguration? = nil,
                        delegate: ((QUICConnection) -> QUICConnectionDelegate?)? = nil,
                        handshakeTimeout: Double = 8) async throws -> QUICConnection {
        let address: SocketAddress
        do { address = try SocketAddress.makeAddressResolvingHost(host, port: port) } catch {
            throw QUICIOError.badAddress("\(host):\(port)")
        }
        guard let peer = QUICPeerAddress(address) else { throw QUICIOError.badAddress("\(host):\(port)") }
        let connection: QUICConnection = try await eventLoop.submit {
            guard !self.closed else { throw QUICIOError.endpointClosed }
            let handle = try self.core.connect(to: peer, configuration: configuration, tlsFactory: tlsFactory, now: MonotonicClock.now())
            let connection = QUICConnection(endpoint: self, handle: handle, core: self.core.connection(handle)!)
            connection.setDelegateOnLoop(delegate?(connection))
            self.connections[handle] = connection
            self.dirty.insert(handle)
            self.process()
            // Give up on a server that never answers instead of waiting for the idle timeout.
            self.eventLoop.scheduleTask(in: .milliseconds(Int64(handshakeTimeout * 1000))) {
                connection.abandonHandshake()
            }
            return connection
        }.get()
        try await connection.waitForHandshake()
        return connection
    }

    /// Closes every connection (application error 0) and the socket.
    public func close() async {
        let channel: Channel? = try? await eventLoop.submit { () -> Channel? in
            guard !self.closed else { return nil }
            for (handle, c) in self.connections where !c.core.isClosing && !c.core.isClosed {
                c.core.close(applicationErrorCode: 0, reason: "endpoint closing", now: MonotonicClock.now())
                self.dirty.insert(handle)
            }
            self.process()
            self.closed = true
            self.timer?.cancel()
            for c in self.connections.values { c.fail(.endpointClosed) }
            self.connections.removeAll()  // each held this endpoint: end the cycles
            self.incoming.finish()
            return self.channel
        }.get()
        try? await channel?.close()
    }

    /// Turns UDP GSO on (only where the kernel supports it) or off.
    public func setSegmentationOffload(_ enabled: Bool) async {
        try? await eventLoop.submit { self.usesSegmentationOffload = enabled && System.supportsUDPSegmentationOffload }.get()
    }

    /// How many writes used GSO so far.
    public var segmentationOffloadWrites: Int {
        get async { (try? await eventLoop.submit { self.gsoWrites }.get()) ?? 0 }
    }

    // MARK: Event-loop side

    func markDirty(_ handle: ConnectionHandle) {
        eventLoop.preconditionInEventLoop()
        dirty.insert(handle)
    }

    func received(datagram: [UInt8], from address: SocketAddress) {
        guard !closed, let peer = QUICPeerAddress(address) else { return }
        datagramsReceived += 1
        // Handshake admission: a new connection's Initial waits in a bounded queue and at most
        // `handshakesPerTurn` are taken per event-loop turn, so a burst of new connections (a flood,
        // or hundreds of subscribers joining at once) cannot hold up established connections: their
        // datagrams are handled as they arrive, between the batches.
        if core.startsNewConnection(datagram) {
            guard pendingInitials.count - pendingInitialsHead < Self.maxPendingInitials else {
                initialsShed += 1  // the client retransmits its Initial
                return
            }
            pendingInitials.append((datagram, peer))
            scheduleAdmission()
            return
        }
        beforeEachDatagram?(datagram)
        // Only the connection the core routed the datagram to has new events (a new connection
        // comes as `.incomingConnection`).
        if let handle = core.handle(datagram: datagram, from: peer, now: MonotonicClock.now()) { dirty.insert(handle) }
    }

    /// New connections taken per event-loop turn (see `received`): at most this many, and no more
    /// once a turn has spent `admissionTurnNanoseconds` on them (at least one per turn).
    static let handshakesPerTurn = 8
    static let admissionTurnNanoseconds: UInt64 = 2_000_000
    /// Initials of new connections waiting at most; more are dropped (`initialsShed`).
    static let maxPendingInitials = 1024

    private func scheduleAdmission() {
        guard !admissionScheduled else { return }
        admissionScheduled = true
        // A task in the future (not `execute`): the event loop polls its sockets before running it,
        // so every batch is separated by the datagrams that arrived meanwhile.
        eventLoop.scheduleTask(in: .microseconds(100)) { [weak self] in self?.admitPendingInitials() }
    }

    private func admitPendingInitials() {
        admissionScheduled = false
        guard !closed else { return }
        let start = MonotonicClock.now()
        var now = start
        var taken = 0
        while taken < Self.handshakesPerTurn, taken == 0 || now.nanoseconds &- start.nanoseconds < Self.admissionTurnNanoseconds,
              pendingInitialsHead < pendingInitials.count {
            let (datagram, peer) = pendingInitials[pendingInitialsHead]
            pendingInitialsHead += 1
            taken += 1
            beforeEachDatagram?(datagram)
            if let handle = core.handle(datagram: datagram, from: peer, now: now) { dirty.insert(handle) }
            now = MonotonicClock.now()
        }
        if pendingInitialsHead == pendingInitials.count {
            pendingInitials.removeAll(keepingCapacity: pendingInitials.count <= 64)
            pendingInitialsHead = 0
        } else {
            scheduleAdmission()
        }
        process()
    }

    /// Runs `process()` once after the tasks already queued on the event loop: commands issued in
    /// one burst (a relay writing to each of its subscribers in turn) share one pass over the
    /// connections instead of one pass each.
    func processSoon() {
        guard !processScheduled else { return }
        processScheduled = true
        eventLoop.execute { [self] in
            processScheduled = false
            process()
        }
    }

    /// Drains endpoint events, connection events and outgoing datagrams, then re-arms the timer.
    func process() {
        eventLoop.preconditionInEventLoop()
        // Delegates may issue commands that ask for another pass while one runs: loop instead of nesting.
        if processing { processAgain = true; return }
        processing = true
        defer { processing = false }
        repeat {
            processAgain = false
            processOnce()
        } while processAgain
    }

    private func processOnce() {
        while let event = core.pollEvent() {
            switch event {
            case .incomingConnection(let handle):
                if let c = core.connection(handle) {
                    let connection = QUICConnection(endpoint: self, handle: handle, core: c, isIncoming: true)
                    connection.setDelegateOnLoop(incomingDelegate?(connection))
                    connections[handle] = connection
                    dirty.insert(handle)
                }
            case .connectionRemoved(let handle):
                if let c = connections.removeValue(forKey: handle) {
                    // Its last events first (the `.connectionClosed` of an idle timeout is still queued):
                    // the delegate (a MoQT session waiting for SETUP) must learn that it closed.
                    c.drainEvents()
                    c.fail(.connectionClosed(c.core.closeReasonIfClosed ?? .idleTimeout))
                }
            }
        }
        // Only connections that changed can have something new to send: a datagram was routed to
        // them, their timer fired (pacing and ACK deadlines are timers), or a command was issued on
        // them (`markDirty`). Everything else was drained to nil by an earlier flush.
        var touched = Set<ConnectionHandle>()
        while !dirty.isEmpty {
            let batch = dirty
            dirty.removeAll(keepingCapacity: true)
            for handle in batch { connections[handle]?.drainEvents() }
            touched.formUnion(batch)
        }
        flush(touched)
        armTimer()
    }

    /// Yields a server connection whose handshake completed to `incomingConnections`, unless an
    /// incoming delegate handles the endpoint's connections: then nobody reads that stream, and
    /// buffering every connection in it would keep each one alive for the endpoint's lifetime.
    func deliverIncoming(_ connection: QUICConnection) {
        guard incomingDelegate == nil else { return }
        incoming.yield(connection)
    }

    /// Sends the endpoint's stateless datagrams and everything the `touched` connections have. With
    /// segmentation offload, runs of datagrams to one destination that have the same size (the last
    /// may be shorter) leave in one GSO write of up to 64 segments.
    private func flush(_ touched: Set<ConnectionHandle>) {
        guard let channel else { return }
        let now = MonotonicClock.now()
        var wrote = false
        var batch: ByteBuffer?
        var batchDestination: QUICPeerAddress?
        var segmentSize = 0
        var segments = 0
        func send() {
            guard let buffer = batch, let destination = batchDestination else { return }
            if segments > 1 {
                let metadata = AddressedEnvelope<ByteBuffer>.Metadata(ecnState: .transportNotCapable, packetInfo: nil, segmentSize: segmentSize)
                let promise = channel.eventLoop.makePromise(of: Void.self)
                promise.futureResult.whenFailure { [weak self] error in self?.segmentationOffloadFailed(error) }
                channel.write(AddressedEnvelope(remoteAddress: destination.socketAddress, data: buffer, metadata: metadata), promise: promise)
                gsoWrites += 1
            } else {
                channel.write(AddressedEnvelope(remoteAddress: destination.socketAddress, data: buffer), promise: nil)
            }
            batch = nil
            segments = 0
        }
        var pending = touched.makeIterator()
        var current = pending.next()
        func poll() -> OutgoingDatagram? {
            if let d = core.pollStatelessTransmit() { return d }
            while let handle = current {
                if let d = core.pollTransmit(now: now, connection: handle) { return d }
                current = pending.next()
            }
            return nil
        }
        while let datagram = poll() {
            datagramsSent += 1
            wrote = true
            let size = datagram.bytes.count
            if usesSegmentationOffload, batch != nil, datagram.destination == batchDestination, size <= segmentSize,
               segments < Self.maxSegments, batch!.readableBytes + size <= Self.maxGSOBytes {
                batch!.writeBytes(datagram.bytes)
                segments += 1
                if size < segmentSize { send() }  // a shorter datagram must be the last segment
                continue
            }
            send()
            var buffer = channel.allocator.buffer(capacity: size)
            buffer.writeBytes(datagram.bytes)
            batch = buffer
            batchDestination = datagram.destination
            segmentSize = size
            segments = 1
        }
        send()
        if wrote { channel.flush() }
    }

    /// The kernel refused a GSO write (e.g. a device without checksum offload): send datagrams one by
    /// one from now on. QUIC loss recovery resends what that write carried.
    private func segmentationOffloadFailed(_ error: Error) {
        guard usesSegmentationOffload else { return }
        usesSegmentationOffload = false
        logger.warning("UDP GSO refused (\(error)); sending datagrams one by one")
    }

    /// Keeps one timer at or before the core's next deadline. A timer that fires early is harmless (the
    /// core's `handleTimeout` ignores what is not due, and the timer is re-armed), so a later deadline
    /// keeps the current timer: cancelling and rescheduling after every send (deadlines move with each
    /// packet) cost about 40% of a bulk sender's CPU in NIO's scheduled-task heap.
    private func armTimer() {
        guard !closed, let deadline = core.nextTimeout else { return }
        if let current = timerDeadline, timer != nil, current <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        let now = MonotonicClock.now()
        let delay = deadline > now ? deadline - now : .zero
        timer = eventLoop.scheduleTask(in: .nanoseconds(Int64(clamping: delay.nanoseconds))) { [weak self] in
            guard let self else { return }
            self.timer = nil
            self.timerDeadline = nil
            self.dirty.formUnion(self.core.fireTimers(now: MonotonicClock.now()))
            self.process()
        }
    }
}

/// Moves datagrams from the socket into the endpoint, processing once per read batch.
private final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let endpoint: QUICEndpoint

    init(endpoint: QUICEndpoint) { self.endpoint = endpoint }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = envelope.data.getBytes(at: envelope.data.readerIndex, length: envelope.data.readableBytes) ?? []
        endpoint.received(datagram: bytes, from: envelope.remoteAddress)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        endpoint.process()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP errors on unconnected UDP sockets surface here; QUIC recovers by itself.
        endpoint.logger.debug("udp error: \(error)")
    }
}
