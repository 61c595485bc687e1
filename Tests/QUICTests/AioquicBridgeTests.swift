import Foundation
import QUIC
import QUICTLS
import XCTest

/// Interop in lock step with aioquic's sans-I/O `QuicConnection`, driven through a pipe on a
/// shared virtual clock (no sockets, deterministic). Runs when `AIOQUIC_PYTHON` names a Python
/// with aioquic installed (e.g. `.build/venv-aioquic/bin/python` after `make deps`); otherwise the
/// tests are reported as skipped.
final class AioquicBridgeTests: XCTestCase {
    static let bridgeScript = #"""
import sys, struct, os
from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection
from aioquic.quic.events import StreamDataReceived, HandshakeCompleted, ConnectionTerminated

role, size = sys.argv[1], int(sys.argv[2])
inp, out = sys.stdin.buffer, sys.stdout.buffer
def read_exact(n):
    b = b""
    while len(b) < n:
        c = inp.read(n - len(b))
        if not c: sys.exit(0)
        b += c
    return b
addr = ("10.0.0.9", 4433)
cfg = QuicConfiguration(is_client=(role == "client"), alpn_protocols=["hq-interop"], idle_timeout=30)
if role == "client":
    import ssl; cfg.verify_mode = ssl.CERT_NONE
else:
    cfg.load_cert_chain(sys.argv[3], sys.argv[4])
conn = None
received = 0; fin = False; done = False; closed = ""; sent = False
if role == "client":
    conn = QuicConnection(configuration=cfg)
    conn.connect(addr, now=0.0)
while True:
    now_ns, count = struct.unpack("!QI", read_exact(12))
    now = now_ns / 1e9
    for _ in range(count):
        (n,) = struct.unpack("!I", read_exact(4)); d = read_exact(n)
        if conn is None:
            from aioquic.buffer import Buffer
            from aioquic.quic.packet import pull_quic_header
            h = pull_quic_header(Buffer(data=d), host_cid_length=8)
            conn = QuicConnection(configuration=cfg, original_destination_connection_id=h.destination_cid)
        conn.receive_datagram(d, addr, now=now)
    if conn is not None:
        t = conn.get_timer()
        if t is not None and t <= now: conn.handle_timer(now=now)
        ev = conn.next_event()
        while ev is not None:
            if isinstance(ev, HandshakeCompleted) and role == "client" and not sent:
                sid = conn.get_next_available_stream_id()
                conn.send_stream_data(sid, bytes(i * 7 % 251 for i in range(size)), end_stream=True); sent = True
            if isinstance(ev, StreamDataReceived):
                received += len(ev.data)
                if ev.end_stream: fin = True
                if role == "server" and ev.end_stream:
                    conn.send_stream_data(ev.stream_id, b"ok:" + str(received).encode(), end_stream=True)
            if isinstance(ev, ConnectionTerminated): closed = "%d:%s" % (ev.error_code, ev.reason_phrase)
            ev = conn.next_event()
    dgrams = conn.datagrams_to_send(now=now) if conn is not None else []
    t = conn.get_timer() if conn is not None else None
    status = ("%d %d %s" % (received, 1 if fin else 0, closed.replace(" ", "_") or "-")).encode()
    out.write(struct.pack("!dII", -1.0 if t is None else t, len(status), len(dgrams)))
    out.write(status)
    for d, _ in dgrams: out.write(struct.pack("!I", len(d)) + d)
    out.flush()
"""#

    /// The peer process and the lock-step exchange.
    final class Peer {
        let process = Process()
        let input = Pipe()
        let output = Pipe()
        var timer: QUICTime?
        var received = 0
        var finished = false
        var closed = "-"

        init(python: String, arguments: [String]) throws {
            let script = FileManager.default.temporaryDirectory.appendingPathComponent("aioquic-bridge-\(getpid()).py")
            try AioquicBridgeTests.bridgeScript.write(to: script, atomically: true, encoding: .utf8)
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = [script.path] + arguments
            process.standardInput = input
            process.standardOutput = output
            signal(SIGPIPE, SIG_IGN)
            try process.run()
        }

        private func readExact(_ n: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            while bytes.count < n {
                let chunk = output.fileHandleForReading.readData(ofLength: n - bytes.count)
                if chunk.isEmpty { break }
                bytes += chunk
            }
            return bytes
        }

        /// Delivers datagrams at `now` and returns the peer's answers.
        func step(now: QUICTime, datagrams: [[UInt8]]) -> [[UInt8]] {
            var message: [UInt8] = []
            func be(_ v: UInt64, _ n: Int) { for i in (0..<n).reversed() { message.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
            be(now.nanoseconds, 8); be(UInt64(datagrams.count), 4)
            for d in datagrams { be(UInt64(d.count), 4); message += d }
            guard (try? input.fileHandleForWriting.write(contentsOf: Data(message))) != nil else { return [] }
            let head = readExact(16)
            guard head.count == 16 else { return [] }
            let timerBits = head[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let t = Double(bitPattern: timerBits)
            timer = t < 0 ? nil : QUICTime(nanoseconds: UInt64((t * 1e9).rounded(.up)))
            let statusLength = Int(head[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let count = Int(head[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
            let status = String(decoding: readExact(statusLength), as: UTF8.self).split(separator: " ")
            if status.count == 3 {
                received = Int(status[0]) ?? 0
                finished = status[1] == "1"
                closed = String(status[2])
            }
            var out: [[UInt8]] = []
            for _ in 0..<count {
                let n = Int(readExact(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                out.append(readExact(n))
            }
            return out
        }

        deinit { process.terminate() }
    }

    /// The aioquic venv's interpreter: AIOQUIC_PYTHON, else the one `make deps` creates. Missing is a
    /// failure, never a skip: `make test` installs it.
    private func python() throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = ProcessInfo.processInfo.environment["AIOQUIC_PYTHON"]
            ?? root.appendingPathComponent(".build/venv-aioquic/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            XCTFail("aioquic interpreter \(python) missing: run `make deps` (or set AIOQUIC_PYTHON)")
            throw CocoaError(.fileNoSuchFile)
        }
        return python
    }

    /// Runs our endpoint against the peer with 10 ms one-way delay until `done`.
    private func run(endpoint: Endpoint, peer: Peer, ourAddress: QUICPeerAddress, peerAddress: QUICPeerAddress,
                     initialToPeer: [[UInt8]], dropEvery: Int? = nil, done: () -> Bool, onStep: (QUICTime) -> Void) -> Bool {
        var now = QUICTime(nanoseconds: 0)
        var counter = 0
        /// Deterministic loss: every `dropEvery`-th datagram in either direction vanishes.
        func keep() -> Bool {
            counter += 1
            return dropEvery.map { counter % $0 != 0 } ?? true
        }
        var toPeer: [(QUICTime, [UInt8])] = initialToPeer.map { (now + .milliseconds(10), $0) }
        var toUs: [(QUICTime, [UInt8])] = []
        for _ in 0..<200_000 {
            if done() { return true }
            let candidates = (toPeer.map(\.0) + toUs.map(\.0) + [peer.timer, endpoint.nextTimeout].compactMap { $0 })
            guard let t = candidates.min() else { return done() }
            now = t <= now ? now + .microseconds(1) : t
            if now > QUICTime(nanoseconds: 60_000_000_000) {
                print("bridge: virtual time limit; peer timer \(String(describing: peer.timer)) ours \(String(describing: endpoint.nextTimeout))")
                return false
            }
            let due = toPeer.filter { $0.0 <= now }.map(\.1)
            toPeer.removeAll { $0.0 <= now }
            for d in peer.step(now: now, datagrams: due) where keep() { toUs.append((now + .milliseconds(10), d)) }
            for (at, d) in toUs where at <= now { endpoint.handle(datagram: d, from: peerAddress, now: now) }
            toUs.removeAll { $0.0 <= now }
            if let t = endpoint.nextTimeout, t <= now { endpoint.handleTimeout(now: now) }
            onStep(now)
            while let out = endpoint.pollTransmit(now: now) {
                if keep() { toPeer.append((now + .milliseconds(10), out.bytes)) }
            }
        }
        print("bridge: step limit at \(now); peer timer \(String(describing: peer.timer)) ours \(String(describing: endpoint.nextTimeout))")
        return false
    }

    func testOurServerWithAioquicClient() throws { try serverWithAioquicClient(dropEvery: nil) }
    func testOurServerWithAioquicClientUnderLoss() throws { try serverWithAioquicClient(dropEvery: 9) }
    func testOurClientWithAioquicServer() throws { try clientWithAioquicServer(dropEvery: nil) }
    func testOurClientWithAioquicServerUnderLoss() throws { try clientWithAioquicServer(dropEvery: 9) }

    private func serverWithAioquicClient(dropEvery: Int?) throws {
        let python = try python()
        let size = 1_000_000
        let peer = try Peer(python: python, arguments: ["client", "\(size)"])
        var config = EndpointConfiguration()
        config.acceptsIncoming = true
        let cert = SimulatedPair.certificate
        let tls = TLSConfiguration.server(alpnProtocols: ["hq-interop"], certificateChain: .pem(cert.certificatePEM), privateKey: .pem(cert.privateKeyPEM))
        let server = Endpoint(configuration: config, serverTLSFactory: { tp in try GnuTLSSession(configuration: tls, localTransportParameters: tp) })
        let first = peer.step(now: .zero, datagrams: [])
        var connection: Connection?
        var received = 0
        var replied = false
        let ok = run(endpoint: server, peer: peer, ourAddress: .ipv4(10, 0, 0, 9, port: 4433), peerAddress: .ipv4(10, 0, 0, 8, port: 5555),
                     initialToPeer: [], dropEvery: dropEvery, done: { peer.finished }, onStep: { now in
            while case .incomingConnection(let h)? = server.pollEvent() { connection = server.connection(h) }
            guard let c = connection else { return }
            while let e = c.pollEvent() {
                if case .connectionClosed(let reason) = e { XCTFail("closed: \(reason)") }
            }
            if let r = try? c.read(streamID: 0) {
                received += r.data.count
                if r.isFinished && !replied {
                    replied = true
                    _ = try? c.write(streamID: 0, data: Array("got \(received)".utf8))
                    try? c.finish(streamID: 0)
                }
            }
        })
        _ = first
        XCTAssertTrue(ok, "aioquic client: received \(peer.received), closed \(peer.closed); we received \(received)")
        XCTAssertEqual(received, size)
    }

    private func clientWithAioquicServer(dropEvery: Int?) throws {
        let python = try python()
        let dir = FileManager.default.temporaryDirectory
        let certPath = dir.appendingPathComponent("aq-cert-\(getpid()).pem").path
        let keyPath = dir.appendingPathComponent("aq-key-\(getpid()).pem").path
        // The peer's certificate comes from openssl (aioquic is strict about EC key encodings).
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyPath,
                             "-out", certPath, "-days", "1", "-subj", "/CN=localhost"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        let peer = try Peer(python: python, arguments: ["server", "0", certPath, keyPath])
        let client = Endpoint(configuration: EndpointConfiguration())
        let tls = TLSConfiguration.client(alpnProtocols: ["hq-interop"], serverName: "localhost", verifyPeer: false)
        let handle = try client.connect(to: .ipv4(10, 0, 0, 9, port: 4433), tlsFactory: { tp in try GnuTLSSession(configuration: tls, localTransportParameters: tp) }, now: .zero)
        let connection = try XCTUnwrap(client.connection(handle))
        let size = 1_000_000
        let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 * 7 % 251) }
        var written = 0
        var stream: UInt64?
        var reply: [UInt8] = []
        var replyDone = false
        var initial: [[UInt8]] = []
        while let out = client.pollTransmit(now: .zero) { initial.append(out.bytes) }
        let ok = run(endpoint: client, peer: peer, ourAddress: .ipv4(10, 0, 0, 8, port: 5555), peerAddress: .ipv4(10, 0, 0, 9, port: 4433),
                     initialToPeer: initial, dropEvery: dropEvery, done: { replyDone }, onStep: { _ in
            while let e = connection.pollEvent() {
                if case .connectionClosed(let reason) = e { XCTFail("closed: \(reason)") }
            }
            guard connection.isEstablished else { return }
            if stream == nil { stream = try? connection.openStream(bidirectional: true) }
            guard let id = stream else { return }
            while written < size, connection.writableBytes(streamID: id) > 0 {
                let n = min(connection.writableBytes(streamID: id), size - written)
                written += (try? connection.write(streamID: id, data: payload[written..<written + n])) ?? 0
            }
            if written == size { try? connection.finish(streamID: id) }
            if let r = try? connection.read(streamID: id) {
                reply += r.data
                if r.isFinished { replyDone = true }
            }
        })
        XCTAssertTrue(ok, "aioquic server received \(peer.received), closed \(peer.closed)")
        XCTAssertEqual(String(decoding: reply, as: UTF8.self), "ok:\(size)")
    }
}
