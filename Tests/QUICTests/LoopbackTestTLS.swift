import QUIC

/// TEST-ONLY stand-in for TLS 1.3: exchanges transport parameters and ALPN in a TLS-shaped
/// message flow (ClientHello/ServerHello at Initial, EncryptedExtensions+Finished at Handshake,
/// client Finished) and derives secrets deterministically from both sides' random values.
/// No security whatsoever; used for narrow connection unit tests and until GnuTLS lands.
final class LoopbackTestTLS: QUICTLSSession {
    enum Role { case client, server }
    private let role: Role
    private let localTransportParameters: [UInt8]
    private let alpn: String
    private var random: [UInt8]
    private var peerRandom: [UInt8] = []
    private var events: [TLSEvent] = []
    private var buffers: [EncryptionLevel: [UInt8]] = [:]
    private(set) var peerTransportParameters: [UInt8]?
    private(set) var negotiatedALPN: String?
    private(set) var isHandshakeComplete = false

    init(role: Role, localTransportParameters: [UInt8], alpn: String = "test", seed: UInt8 = 1) {
        self.role = role
        self.localTransportParameters = localTransportParameters
        self.alpn = alpn
        self.random = (0..<32).map { UInt8(truncatingIfNeeded: Int($0) &* 37 &+ Int(seed) &* 11 &+ (role == .client ? 1 : 2)) }
    }

    func start() throws(TLSError) {
        if role == .client { send(.initial, type: 1, body: random + encodeString(alpn) + localTransportParameters) }
    }

    func pollEvent() -> TLSEvent? { events.isEmpty ? nil : events.removeFirst() }

    func handle(handshakeData: [UInt8], at level: EncryptionLevel) throws(TLSError) {
        buffers[level, default: []] += handshakeData
        while var buffer = buffers[level], buffer.count >= 4 {
            let length = Int(buffer[1]) << 16 | Int(buffer[2]) << 8 | Int(buffer[3])
            guard buffer.count >= 4 + length else { break }
            let type = buffer[0]
            let body = Array(buffer[4..<4 + length])
            buffer.removeFirst(4 + length)
            buffers[level] = buffer
            try process(type: type, body: body, level: level)
        }
    }

    private func process(type: UInt8, body: [UInt8], level: EncryptionLevel) throws(TLSError) {
        switch (role, type, level) {
        case (.server, 1, .initial):  // ClientHello
            guard body.count >= 33 else { throw TLSError(alert: 50, reason: "short ClientHello") }
            peerRandom = Array(body[0..<32])
            let (peerALPN, rest) = decodeString(Array(body[32...]))
            guard peerALPN == alpn else { throw TLSError(alert: 120, reason: "no application protocol") }
            negotiatedALPN = alpn
            peerTransportParameters = rest
            send(.initial, type: 2, body: random)
            installSecrets(.handshake)
            send(.handshake, type: 8, body: encodeString(alpn) + localTransportParameters)
            send(.handshake, type: 20, body: [0xff])
            installSecrets(.oneRTT)
        case (.client, 2, .initial):  // ServerHello
            guard body.count == 32 else { throw TLSError(alert: 50, reason: "bad ServerHello") }
            peerRandom = body
            installSecrets(.handshake)
        case (.client, 8, .handshake):  // EncryptedExtensions
            let (serverALPN, rest) = decodeString(body)
            negotiatedALPN = serverALPN
            peerTransportParameters = rest
        case (.client, 20, .handshake):  // server Finished
            installSecrets(.oneRTT)
            send(.handshake, type: 20, body: [0xfe])
            isHandshakeComplete = true
            events.append(.handshakeComplete)
        case (.server, 20, .handshake):  // client Finished
            isHandshakeComplete = true
            events.append(.handshakeComplete)
        default:
            throw TLSError(alert: 10, reason: "unexpected message \(type) at \(level)")
        }
    }

    private func send(_ level: EncryptionLevel, type: UInt8, body: [UInt8]) {
        let n = body.count
        events.append(.handshakeData(level, [type, UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + body))
    }

    private func installSecrets(_ level: EncryptionLevel) {
        let clientRandom = role == .client ? random : peerRandom
        let serverRandom = role == .client ? peerRandom : random
        let clientSecret = derive(clientRandom, serverRandom, label: level == .handshake ? 1 : 3)
        let serverSecret = derive(clientRandom, serverRandom, label: level == .handshake ? 2 : 4)
        let (read, write) = role == .client ? (serverSecret, clientSecret) : (clientSecret, serverSecret)
        events.append(.secret(level, .write, .aes128GCMSHA256, write))
        events.append(.secret(level, .read, .aes128GCMSHA256, read))
    }

    private func derive(_ a: [UInt8], _ b: [UInt8], label: UInt8) -> [UInt8] {
        var state: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(label)
        var out: [UInt8] = []
        for i in 0..<32 {
            state = (state ^ UInt64(a[i]) ^ UInt64(b[i]) << 8) &* 0x0000_0100_0000_01b3
            out.append(UInt8(truncatingIfNeeded: state >> 29))
        }
        return out
    }

    private func encodeString(_ s: String) -> [UInt8] { [UInt8(s.utf8.count)] + Array(s.utf8) }
    private func decodeString(_ b: [UInt8]) -> (String, [UInt8]) {
        guard let n = b.first.map(Int.init), b.count >= 1 + n else { return ("", []) }
        return (String(decoding: b[1..<1 + n], as: UTF8.self), Array(b[(1 + n)...]))
    }
}
