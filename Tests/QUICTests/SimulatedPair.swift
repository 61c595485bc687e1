import NetSim
import QUIC
import QUICTLS

/// A client and a server endpoint joined by the network simulator (quinn's `Pair`).
final class SimulatedPair {
    /// Which TLS the endpoints use: the real GnuTLS session, or the test-only loopback stand-in.
    enum TLSKind { case gnutls, loopback }

    /// One self-signed certificate for every test.
    static let certificate: (certificatePEM: String, privateKeyPEM: String) = {
        do { return try SelfSignedCertificate.generate(commonName: "localhost") } catch { fatalError("certificate: \(error)") }
    }()

    let tlsKind: TLSKind
    let simulator: NetworkSimulator
    let clientAddress = QUICPeerAddress.ipv4(10, 0, 0, 1, port: 5000)
    let serverAddress = QUICPeerAddress.ipv4(10, 0, 0, 2, port: 4433)
    let client: Endpoint
    let server: Endpoint
    private(set) var clientHandle: ConnectionHandle?
    private(set) var serverHandle: ConnectionHandle?
    var clientEvents: [ConnectionEvent] = []
    var serverEvents: [ConnectionEvent] = []
    /// Application logic run on every simulator step, after events were collected.
    var application: ((SimulatedPair, QUICTime) -> Void)?

    init(seed: UInt64 = 1, clientToServer: LinkConfiguration = LinkConfiguration(), serverToClient: LinkConfiguration = LinkConfiguration(),
         configuration: ConnectionConfiguration = ConnectionConfiguration(), clientConfiguration: ConnectionConfiguration? = nil,
         serverALPN: String = "test", requiresRetry: Bool = false, retryAboveHalfOpen: Int? = 128, tls: TLSKind = .gnutls) {
        tlsKind = tls
        simulator = NetworkSimulator(seed: seed)
        var clientConfig = EndpointConfiguration()
        clientConfig.connection = clientConfiguration ?? configuration
        clientConfig.connection.randomSeed = seed &* 1000 &+ 1
        client = Endpoint(configuration: clientConfig)
        var serverConfig = EndpointConfiguration()
        serverConfig.connection = configuration
        serverConfig.connection.randomSeed = seed &* 1000 &+ 2
        serverConfig.acceptsIncoming = true
        serverConfig.requiresRetry = requiresRetry
        serverConfig.retryAboveHalfOpen = retryAboveHalfOpen
        serverConfig.tokenKey = Array(repeating: 7, count: 32)
        switch tls {
        case .loopback:
            server = Endpoint(configuration: serverConfig, serverTLSFactory: { tp in
                LoopbackTestTLS(role: .server, localTransportParameters: tp, alpn: serverALPN, seed: UInt8(truncatingIfNeeded: seed))
            })
        case .gnutls:
            let certificate = Self.certificate
            let tlsConfig = TLSConfiguration.server(alpnProtocols: [serverALPN], certificateChain: .pem(certificate.certificatePEM),
                                                    privateKey: .pem(certificate.privateKeyPEM))
            server = Endpoint(configuration: serverConfig, serverTLSFactory: { tp in
                try GnuTLSSession(configuration: tlsConfig, localTransportParameters: tp)
            })
        }
        simulator.add(client, at: clientAddress)
        simulator.add(server, at: serverAddress)
        simulator.setLink(from: clientAddress, to: serverAddress, clientToServer)
        simulator.setLink(from: serverAddress, to: clientAddress, serverToClient)
        simulator.onStep = { [unowned self] now in self.step(now) }
    }

    /// Held here too: the endpoints forget connections once closed.
    private(set) var clientConnection: Connection?
    private(set) var serverConnection: Connection?

    func connect(alpn: String = "test") throws {
        let factory: TLSSessionFactory
        switch tlsKind {
        case .loopback:
            factory = { tp in LoopbackTestTLS(role: .client, localTransportParameters: tp, alpn: alpn) }
        case .gnutls:
            let tlsConfig = TLSConfiguration.client(alpnProtocols: [alpn], serverName: "localhost", verifyPeer: false)
            factory = { tp in try GnuTLSSession(configuration: tlsConfig, localTransportParameters: tp) }
        }
        clientHandle = try client.connect(to: serverAddress, tlsFactory: factory, now: simulator.now)
        clientConnection = client.connection(clientHandle!)
    }

    private func step(_ now: QUICTime) {
        while let e = server.pollEvent() {
            if case .incomingConnection(let h) = e, serverHandle == nil {
                serverHandle = h
                serverConnection = server.connection(h)
            }
        }
        while client.pollEvent() != nil {}
        if let c = clientConnection { while let e = c.pollEvent() { clientEvents.append(e) } }
        if let s = serverConnection { while let e = s.pollEvent() { serverEvents.append(e) } }
        application?(self, now)
    }

    @discardableResult
    func run(seconds: Double, until condition: () -> Bool) -> Bool {
        simulator.run(timeLimit: .seconds(seconds), until: condition)
    }

    var isHandshakeDone: Bool {
        clientEvents.contains { if case .handshakeCompleted = $0 { return true }; return false }
            && serverEvents.contains { if case .handshakeCompleted = $0 { return true }; return false }
    }
}
