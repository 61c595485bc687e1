@testable import MoQT

/// One side of an in-memory QUIC-like connection for session tests: stream IDs follow QUIC's
/// numbering, writes may be limited per call (back-pressure), and everything sent waits in
/// per-stream queues until `SessionPair` delivers it to the peer session.
final class SessionMemoryTransport: MoQTransport {
    struct OutStream {
        var bidirectional: Bool
        var announced = false
        var bytes: [UInt8] = []
        var fin = false
        var finDelivered = false
        var reset: UInt64?
        var blocked = false
    }

    enum Signal {
        case stopSending(UInt64, UInt64)
        case datagram([UInt8])
    }

    let isClient: Bool
    /// Most bytes accepted per `write` call (nil: unlimited).
    var writeLimit: Int?
    var streams: [UInt64: OutStream] = [:]
    var order: [UInt64] = []
    var signals: [Signal] = []
    var closed: (code: UInt64, reason: String)?
    var priorities: [UInt64: MoQTStreamPriority] = [:]
    var supportsDatagrams = true
    private var nextBidi: UInt64
    private var nextUni: UInt64

    init(isClient: Bool, writeLimit: Int? = nil) {
        self.isClient = isClient
        self.writeLimit = writeLimit
        nextBidi = isClient ? 0 : 1
        nextUni = isClient ? 2 : 3
    }

    func openStream(bidirectional: Bool) throws -> UInt64 {
        let id: UInt64
        if bidirectional { id = nextBidi; nextBidi += 4 } else { id = nextUni; nextUni += 4 }
        streams[id] = OutStream(bidirectional: bidirectional)
        order.append(id)
        return id
    }

    /// A stream the peer opened becomes writable here (bidirectional streams).
    func adoptPeerStream(_ id: UInt64) {
        if streams[id] == nil {
            var s = OutStream(bidirectional: true)
            s.announced = true
            streams[id] = s
            order.append(id)
        }
    }

    func write(streamID: UInt64, bytes: [UInt8]) throws -> Int {
        guard closed == nil, var s = streams[streamID], !s.fin, s.reset == nil else { throw TestTransportError.streamClosed(streamID) }
        let n = min(bytes.count, writeLimit ?? bytes.count)
        s.bytes.append(contentsOf: bytes[0..<n])
        if n < bytes.count { s.blocked = true }
        streams[streamID] = s
        return n
    }

    func finish(streamID: UInt64) throws {
        guard var s = streams[streamID], s.reset == nil else { throw TestTransportError.streamClosed(streamID) }
        s.fin = true
        streams[streamID] = s
    }

    func resetStream(streamID: UInt64, errorCode: UInt64) throws {
        guard var s = streams[streamID] else { throw TestTransportError.streamClosed(streamID) }
        if s.reset == nil && !s.finDelivered { s.reset = errorCode }
        streams[streamID] = s
    }

    func stopSending(streamID: UInt64, errorCode: UInt64) throws {
        signals.append(.stopSending(streamID, errorCode))
    }

    func close(errorCode: UInt64, reason: String) {
        if closed == nil { closed = (errorCode, reason) }
    }

    func setPriority(streamID: UInt64, priority: MoQTStreamPriority) {
        priorities[streamID] = priority
    }

    func sendDatagram(_ bytes: [UInt8]) throws {
        guard supportsDatagrams else { throw MoQTSessionError.datagramsUnsupported }
        signals.append(.datagram(bytes))
    }

    /// Writes raw bytes on a stream, bypassing the session (to inject malformed input).
    func inject(_ bytes: [UInt8], on streamID: UInt64, fin: Bool = false) {
        if streams[streamID] == nil { adoptPeerStream(streamID) }
        streams[streamID]?.bytes.append(contentsOf: bytes)
        if fin { streams[streamID]?.fin = true }
    }
}

enum TestTransportError: Error {
    case streamClosed(UInt64)
}
