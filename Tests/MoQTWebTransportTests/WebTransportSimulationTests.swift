import HTTP3
import MoQT
import MoQTWebTransport
import NetSim
import QUIC
import QUICTLS
import Wire
import XCTest

/// A MoQT server session over WebTransport (`WebTransportMoQTransport` + `MoQTWebTransportBridge`)
/// on a real QUIC connection (GnuTLS, ALPN h3) in the network simulator, against a client that
/// writes HTTP/3 by hand as a browser does: its SETTINGS, a Huffman-coded extended CONNECT, and the
/// MoQT SETUP on a WebTransport stream that it opens *before* the CONNECT (so it is buffered).
final class WebTransportSimulationTests: XCTestCase {
    static let certificate = try! SelfSignedCertificate.generate(commonName: "localhost")

    final class Harness {
        let simulator: NetworkSimulator
        let clientAddress = QUICPeerAddress.ipv4(10, 1, 0, 1, port: 5000)
        let serverAddress = QUICPeerAddress.ipv4(10, 1, 0, 2, port: 4443)
        let clientEndpoint: Endpoint
        let serverEndpoint: Endpoint
        let clientCore: Connection
        var serverCore: Connection?
        var transport: WebTransportMoQTransport?
        var session: MoQTSession?
        var sessionEvents: [MoQTSessionEvent] = []
        var clientData: [UInt64: [UInt8]] = [:]
        var clientFinished = Set<UInt64>()
        var clientHandshakeDone = false

        init(seed: UInt64, loss: Double) throws {
            simulator = NetworkSimulator(seed: seed)
            var clientConfig = EndpointConfiguration()
            clientConfig.connection.randomSeed = seed &+ 1
            clientConfig.connection.maxDatagramFrameSize = 65535
            clientEndpoint = Endpoint(configuration: clientConfig)
            var serverConfig = EndpointConfiguration()
            serverConfig.connection.randomSeed = seed &+ 2
            serverConfig.connection.maxDatagramFrameSize = 65535
            serverConfig.acceptsIncoming = true
            let cert = WebTransportSimulationTests.certificate
            let serverTLS = TLSConfiguration.server(alpnProtocols: ["moqt-18", "h3"], certificateChain: .pem(cert.certificatePEM),
                                                    privateKey: .pem(cert.privateKeyPEM))
            serverEndpoint = Endpoint(configuration: serverConfig, serverTLSFactory: { tp in
                try GnuTLSSession(configuration: serverTLS, localTransportParameters: tp)
            })
            simulator.add(clientEndpoint, at: clientAddress)
            simulator.add(serverEndpoint, at: serverAddress)
            let link = LinkConfiguration(delay: .milliseconds(20), lossRate: loss)
            simulator.setLink(from: clientAddress, to: serverAddress, link)
            simulator.setLink(from: serverAddress, to: clientAddress, link)
            let clientTLS = TLSConfiguration.client(alpnProtocols: ["h3"], serverName: "localhost", verifyPeer: false)
            let handle = try clientEndpoint.connect(to: serverAddress, tlsFactory: { tp in
                try GnuTLSSession(configuration: clientTLS, localTransportParameters: tp)
            }, now: simulator.now)
            clientCore = clientEndpoint.connection(handle)!
            simulator.onStep = { [unowned self] _ in self.step() }
        }

        var now: UInt64 { simulator.now.nanoseconds / 1_000 }

        func step() {
            while let e = serverEndpoint.pollEvent() {
                if case .incomingConnection(let h) = e, serverCore == nil, let core = serverEndpoint.connection(h) {
                    serverCore = core
                    let sim = simulator
                    let t = WebTransportMoQTransport(core: core, server: WebTransportServer(configuration: .init(supportedProtocols: ["moqt-18"])),
                                                     now: { sim.now })
                    transport = t
                    session = MoQTSession(role: .server, transport: t, configuration: MoQTSessionConfiguration())
                }
            }
            while clientEndpoint.pollEvent() != nil {}
            while let e = clientCore.pollEvent() {
                switch e {
                case .handshakeCompleted(let alpn):
                    XCTAssertEqual(alpn, "h3")
                    clientHandshakeDone = true
                case .streamOpened(let id), .streamReadable(let id), .streamFinished(let id):
                    while let r = try? clientCore.read(streamID: id), !(r.data.isEmpty && !r.isFinished) {
                        clientData[id, default: []] += r.data
                        if r.isFinished { clientFinished.insert(id); break }
                    }
                default: break
                }
            }
            if let core = serverCore, let transport, let session {
                while let e = core.pollEvent() { MoQTWebTransportBridge.deliver(e, core: core, transport: transport, to: session, now: now) }
                while let e = session.pollEvent() { sessionEvents.append(e) }
            }
        }

        func send(_ id: UInt64, _ bytes: [UInt8], fin: Bool = false) {
            XCTAssertEqual(try clientCore.write(streamID: id, data: bytes), bytes.count)
            if fin { try? clientCore.finish(streamID: id) }
        }

        @discardableResult
        func run(seconds: Double, until condition: () -> Bool) -> Bool {
            simulator.run(timeLimit: .milliseconds(UInt64(seconds * 1000))) { condition() }
        }
    }

    func varint(_ v: UInt64) -> [UInt8] { QUICVarint.encode(v) }

    func runSession(seed: UInt64, loss: Double) throws {
        let h = try Harness(seed: seed, loss: loss)
        XCTAssertTrue(h.run(seconds: 10) { h.clientHandshakeDone })
        // A WebTransport uni stream with MoQT SETUP (no options), sent before the CONNECT.
        let wt = try h.clientCore.openStream(bidirectional: false)
        h.send(wt, varint(0x54) + varint(0) + [0xAF, 0x00, 0x00, 0x00])
        let control = try h.clientCore.openStream(bidirectional: false)
        h.send(control, [0x00] + HTTP3FrameType.encode(type: 4, payload: HTTP3Settings([(0x33, 1), (0x2b603742, 1), (0x1f * 4 + 0x21, 1)]).encodePayload()))
        let connect = try h.clientCore.openStream(bidirectional: true)
        XCTAssertEqual(connect, 0)
        h.send(connect, HTTP3FrameType.encode(type: 1, payload: QPACK.encodeHuffmanLiterals([
            HTTPField(":method", "CONNECT"), HTTPField(":protocol", "webtransport"), HTTPField(":scheme", "https"),
            HTTPField(":authority", "localhost:4443"), HTTPField(":path", "/moq"), HTTPField("wt-available-protocols", "\"moqt-18\""),
        ])))
        // The server's SETUP comes on one of its uni streams after the WebTransport prefix.
        let prefix = varint(0x54) + varint(0) + [0xAF, 0x00]
        func serverSetupArrived() -> Bool { h.clientData.contains { $0.key & 0x3 == 0x3 && $0.value.starts(with: prefix) } }
        XCTAssertTrue(h.run(seconds: 20) { h.session?.isReady == true && serverSetupArrived() },
                      "session ready \(String(describing: h.session?.isReady)), client streams \(h.clientData.mapValues(\.count))")
        // The server's control stream starts with type 0 and SETTINGS enabling WebTransport.
        let serverControl = try XCTUnwrap(h.clientData.first { $0.key & 0x3 == 0x3 && $0.value.first == 0x00 }?.value)
        var reader = HTTP3FrameReader()
        reader.append(Array(serverControl.dropFirst()))
        guard case .frame(4, let payload)? = try reader.next() else { return XCTFail("no SETTINGS") }
        XCTAssertEqual(try HTTP3Settings.decode(payload: payload)[HTTP3Settings.enableWebTransportDraft02], 1)
        // The CONNECT's answer.
        var response = HTTP3FrameReader()
        response.append(h.clientData[connect] ?? [])
        guard case .frame(1, let block)? = try response.next() else { return XCTFail("no response HEADERS") }
        XCTAssertEqual(try QPACK.decode(block).first, HTTPField(":status", "200"))
        // The client ends the session with CLOSE_WEBTRANSPORT_SESSION: the MoQT session closes with
        // its code, and the server FINs the CONNECT stream.
        h.send(connect, HTTP3FrameType.encode(type: 0, payload: WebTransportCapsule.close(code: 0, message: "bye").encode()), fin: true)
        XCTAssertTrue(h.run(seconds: 20) { h.clientFinished.contains(connect) && h.session?.isClosed == true })
        XCTAssertTrue(h.sessionEvents.contains { if case .closed(.noError, "bye", true) = $0 { return true } else { return false } },
                      "\(h.sessionEvents)")
    }

    func testSetupOverWebTransport() throws { try runSession(seed: 1, loss: 0) }

    func testSetupOverWebTransportWithLoss() throws {
        for seed: UInt64 in [2, 3, 4] { try runSession(seed: seed, loss: 0.1) }
    }
}
