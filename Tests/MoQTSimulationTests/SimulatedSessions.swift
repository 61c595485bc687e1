import MoQT
import MoQTQUIC
import NetSim
import QUIC
import QUICTLS

/// A MoQT client session and a MoQT server session on real QUIC connections (GnuTLS handshake,
/// ALPN moqt-18) joined by the network simulator, so sessions meet loss, delay, reordering and a
/// bandwidth bound in virtual time. The surface mirrors the in-memory `SessionPair` of MoQTTests.
final class SimulatedSessions {
    static let certificate: (certificatePEM: String, privateKeyPEM: String) = {
        do { return try SelfSignedCertificate.generate(commonName: "localhost") } catch { fatalError("certificate: \(error)") }
    }()
    static let alpn = "moqt-18"

    let simulator: NetworkSimulator
    let clientAddress = QUICPeerAddress.ipv4(10, 1, 0, 1, port: 5000)
    let serverAddress = QUICPeerAddress.ipv4(10, 1, 0, 2, port: 4443)
    let clientEndpoint: Endpoint
    let serverEndpoint: Endpoint
    private(set) var client: MoQTSession!
    private(set) var server: MoQTSession!
    private(set) var clientCore: Connection!
    private(set) var serverCore: Connection?
    var clientEvents: [MoQTSessionEvent] = []
    var serverEvents: [MoQTSessionEvent] = []
    /// Virtual time (nanoseconds) at which each client event was collected, index-aligned.
    var clientEventTimes: [UInt64] = []
    private let serverSessionConfiguration: MoQTSessionConfiguration
    private let timers: SessionTimers

    init(seed: UInt64, clientToServer: LinkConfiguration = LinkConfiguration(), serverToClient: LinkConfiguration = LinkConfiguration(),
         connection: ConnectionConfiguration = ConnectionConfiguration(),
         clientSession: MoQTSessionConfiguration = MoQTSessionConfiguration(setupOptions: SetupOptions(path: "/live", implementation: "sim-client")),
         serverSession: MoQTSessionConfiguration = MoQTSessionConfiguration(setupOptions: SetupOptions(implementation: "sim-server"))) throws {
        simulator = NetworkSimulator(seed: seed)
        serverSessionConfiguration = serverSession
        var clientConfig = EndpointConfiguration()
        clientConfig.connection = connection
        clientConfig.connection.randomSeed = seed &* 31 &+ 1
        clientEndpoint = Endpoint(configuration: clientConfig)
        var serverConfig = EndpointConfiguration()
        serverConfig.connection = connection
        serverConfig.connection.randomSeed = seed &* 31 &+ 2
        serverConfig.acceptsIncoming = true
        let cert = Self.certificate
        let serverTLS = TLSConfiguration.server(alpnProtocols: [Self.alpn], certificateChain: .pem(cert.certificatePEM),
                                                privateKey: .pem(cert.privateKeyPEM))
        serverEndpoint = Endpoint(configuration: serverConfig, serverTLSFactory: { tp in
            try GnuTLSSession(configuration: serverTLS, localTransportParameters: tp)
        })
        timers = SessionTimers()
        simulator.add(clientEndpoint, at: clientAddress)
        simulator.add(serverEndpoint, at: serverAddress)
        simulator.add(timers, at: QUICPeerAddress.ipv4(127, 0, 0, 254, port: 1))
        simulator.setLink(from: clientAddress, to: serverAddress, clientToServer)
        simulator.setLink(from: serverAddress, to: clientAddress, serverToClient)

        let clientTLS = TLSConfiguration.client(alpnProtocols: [Self.alpn], serverName: "localhost", verifyPeer: false)
        let handle = try clientEndpoint.connect(to: serverAddress, tlsFactory: { tp in
            try GnuTLSSession(configuration: clientTLS, localTransportParameters: tp)
        }, now: simulator.now)
        clientCore = clientEndpoint.connection(handle)
        let sim = simulator
        client = MoQTSession(role: .client, transport: QUICMoQTransport(core: clientCore, now: { sim.now }), configuration: clientSession)
        timers.sessions = { [unowned self] in [self.client, self.server].compactMap { $0 } }
        timers.onFire = { [unowned self] in self.collect() }
        simulator.onStep = { [unowned self] _ in self.step() }
    }

    /// The session clock: microseconds of virtual time.
    var nowMicroseconds: UInt64 { simulator.now.nanoseconds / 1_000 }

    private func step() {
        while let e = serverEndpoint.pollEvent() {
            if case .incomingConnection(let h) = e, serverCore == nil, let core = serverEndpoint.connection(h) {
                serverCore = core
                let sim = simulator
                server = MoQTSession(role: .server, transport: QUICMoQTransport(core: core, now: { sim.now }),
                                     configuration: serverSessionConfiguration)
            }
        }
        while clientEndpoint.pollEvent() != nil {}
        while let e = clientCore.pollEvent() { MoQTQUICBridge.deliver(e, core: clientCore, to: client) }
        if let core = serverCore, let server {
            while let e = core.pollEvent() { MoQTQUICBridge.deliver(e, core: core, to: server) }
        }
        collect()
    }

    private func collect() {
        while let e = client.pollEvent() {
            clientEvents.append(e)
            clientEventTimes.append(simulator.now.nanoseconds)
        }
        if let server { while let e = server.pollEvent() { serverEvents.append(e) } }
    }

    /// Runs the network until `condition` holds or `seconds` of virtual time pass.
    @discardableResult
    func run(seconds: Double = 30, until condition: () -> Bool) -> Bool {
        simulator.run(timeLimit: .milliseconds(UInt64(seconds * 1000))) { condition() }
    }

    /// Runs until both SETUPs were exchanged.
    func start() -> Bool {
        run(seconds: 10) { client.isReady && server?.isReady == true }
    }

    /// Objects the client received.
    var clientObjects: [MoQTReceivedObject] {
        clientEvents.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
    }
    var serverObjects: [MoQTReceivedObject] {
        serverEvents.compactMap { if case .object(let o) = $0 { return o } else { return nil } }
    }
}

/// A simulator node with no network interface that fires the MoQT sessions' timers
/// (GOAWAY timeouts, request deadlines) in virtual time.
final class SessionTimers: SimulatedNode {
    var sessions: () -> [MoQTSession] = { [] }
    var onFire: () -> Void = {}

    func receive(datagram: [UInt8], from source: QUICPeerAddress, now: QUICTime) {}
    func pollTransmit(now: QUICTime) -> OutgoingDatagram? { nil }
    var nextTimeout: QUICTime? {
        sessions().compactMap(\.nextTimeout).min().map { QUICTime(nanoseconds: $0 * 1_000) }
    }
    func handleTimeout(now: QUICTime) {
        for s in sessions() { if let due = s.nextTimeout, due <= now.nanoseconds / 1_000 { s.handleTimeout(now: now.nanoseconds / 1_000) } }
        onFire()
    }
}
