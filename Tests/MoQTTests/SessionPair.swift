@testable import MoQT
import TestSupport

/// A client and a server `MoQTSession` joined by two `SessionMemoryTransport`s. `run()`
/// delivers queued stream bytes in random-sized chunks, interleaving streams and directions
/// with a seeded RNG, and collects both sides' events.
final class SessionPair {
    let clientTransport: SessionMemoryTransport
    let serverTransport: SessionMemoryTransport
    let client: MoQTSession
    let server: MoQTSession
    var clientEvents: [MoQTSessionEvent] = []
    var serverEvents: [MoQTSessionEvent] = []
    var rng: SeededGenerator
    /// Server-written streams whose bytes stay in the server transport (to inspect them).
    var holdServerStreams: Set<UInt64> = []
    let maxChunk: Int
    private var clientClosedDelivered = false
    private var serverClosedDelivered = false

    init(seed: UInt64 = 1, maxChunk: Int = 7, writeLimit: Int? = nil,
         clientConfig: MoQTSessionConfiguration = MoQTSessionConfiguration(setupOptions: SetupOptions(path: "/live", authority: "relay.test", implementation: "test-client")),
         serverConfig: MoQTSessionConfiguration = MoQTSessionConfiguration(setupOptions: SetupOptions(implementation: "test-server"))) {
        rng = SeededGenerator(seed: seed)
        self.maxChunk = maxChunk
        clientTransport = SessionMemoryTransport(isClient: true, writeLimit: writeLimit)
        serverTransport = SessionMemoryTransport(isClient: false, writeLimit: writeLimit)
        client = MoQTSession(role: .client, transport: clientTransport, configuration: clientConfig)
        server = MoQTSession(role: .server, transport: serverTransport, configuration: serverConfig)
    }

    /// Starts both sessions and runs until the SETUPs are exchanged.
    func start() throws {
        try client.start()
        try server.start()
        run()
    }

    /// Delivers everything pending (bounded), then collects events.
    func run(maxSteps: Int = 1_000_000) {
        var steps = 0
        collect()
        while steps < maxSteps, step() {
            steps += 1
            collect()
        }
        collect()
    }

    private func collect() {
        while let e = client.pollEvent() { clientEvents.append(e) }
        while let e = server.pollEvent() { serverEvents.append(e) }
    }

    /// One delivery; false when nothing is pending.
    private func step() -> Bool {
        // Connection close goes first: nothing else moves after it.
        if let c = clientTransport.closed, !clientClosedDelivered {
            clientClosedDelivered = true
            server.handleConnectionClosed(errorCode: c.code, reason: c.reason)
            return true
        }
        if let c = serverTransport.closed, !serverClosedDelivered {
            serverClosedDelivered = true
            client.handleConnectionClosed(errorCode: c.code, reason: c.reason)
            return true
        }
        if clientTransport.closed != nil || serverTransport.closed != nil { return false }
        var choices: [(SessionMemoryTransport, MoQTSession, MoQTSession, UInt64?)] = []
        for (t, own, peer) in [(clientTransport, client, server), (serverTransport, server, client)] {
            for id in t.order {
                guard let s = t.streams[id] else { continue }
                if t === serverTransport && holdServerStreams.contains(id) { continue }
                if !s.bytes.isEmpty || (s.fin && !s.finDelivered) || (s.reset != nil && !s.finDelivered) || s.blocked {
                    choices.append((t, own, peer, id))
                }
            }
            if !t.signals.isEmpty { choices.append((t, own, peer, nil)) }
        }
        guard !choices.isEmpty else { return false }
        let (t, own, peer, sid) = choices[Int.random(in: 0..<choices.count, using: &rng)]
        guard let id = sid else {
            let signal = t.signals.removeFirst()
            switch signal {
            case .stopSending(let stream, let code):
                peer.handleStopSending(streamID: stream, errorCode: code)
            case .datagram(let d):
                peer.handleDatagram(d)
            }
            return true
        }
        var s = t.streams[id]!
        let peerTransport = t === clientTransport ? serverTransport : clientTransport
        if s.blocked && (s.bytes.isEmpty || Bool.random(using: &rng)) {
            s.blocked = false
            t.streams[id] = s
            own.handleStreamWritable(streamID: id)
            return true
        }
        if !s.announced {
            s.announced = true
            t.streams[id] = s
            if s.bidirectional { peerTransport.adoptPeerStream(id) }
            peer.handleStreamOpened(streamID: id, bidirectional: s.bidirectional)
            return true
        }
        if !s.bytes.isEmpty {
            let n = min(s.bytes.count, Int.random(in: 1...maxChunk, using: &rng))
            let chunk = Array(s.bytes[0..<n])
            s.bytes.removeFirst(n)
            let fin = s.bytes.isEmpty && s.fin && s.reset == nil
            if fin { s.finDelivered = true }
            t.streams[id] = s
            peer.handleStreamData(streamID: id, bytes: chunk, fin: fin)
            return true
        }
        if let code = s.reset, !s.finDelivered {
            s.finDelivered = true
            t.streams[id] = s
            peer.handleStreamReset(streamID: id, errorCode: code)
            return true
        }
        if s.fin && !s.finDelivered {
            s.finDelivered = true
            t.streams[id] = s
            peer.handleStreamData(streamID: id, bytes: [], fin: true)
            return true
        }
        return false
    }
}
