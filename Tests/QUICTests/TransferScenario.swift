import Foundation
import NetSim
@testable import QUIC

/// A bulk transfer from client to server on one stream, verified byte by byte, with the
/// client writing under back-pressure (only what the send buffer accepts).
final class TransferScenario {
    let pair: SimulatedPair
    let total: Int
    let bidirectional: Bool
    let echoReply: [UInt8]
    private(set) var streamID: UInt64?
    private(set) var written = 0
    private(set) var finished = false
    private(set) var received = 0
    private(set) var receivedFin = false
    private(set) var corrupt = false
    private(set) var replyReceived: [UInt8] = []
    private(set) var replyFin = false
    private var replySent = false

    static func byte(at i: Int) -> UInt8 { UInt8(truncatingIfNeeded: i &* 31 &+ (i >> 9)) }
    /// The payload, computed once for all scenarios.
    static let pattern: [UInt8] = [UInt8](unsafeUninitializedCapacity: 10 << 20) { buffer, count in
        for i in 0..<buffer.count { buffer[i] = byte(at: i) }
        count = buffer.count
    }

    init(pair: SimulatedPair, total: Int, bidirectional: Bool, echoReply: [UInt8] = Array("done".utf8)) {
        self.pair = pair
        precondition(total <= TransferScenario.pattern.count)
        self.total = total
        self.bidirectional = bidirectional
        self.echoReply = echoReply
        pair.application = { [unowned self] pair, now in self.step(pair, now) }
    }

    private func step(_ pair: SimulatedPair, _ now: QUICTime) {
        guard let client = pair.clientConnection, client.isEstablished || streamID != nil else { return }
        if streamID == nil { streamID = try? client.openStream(bidirectional: bidirectional) }
        guard let id = streamID else { return }
        // Client: write as much as the send buffer takes.
        while written < total, client.writableBytes(streamID: id) > 0 {
            let n = min(client.writableBytes(streamID: id), total - written)
            guard let accepted = try? client.write(streamID: id, data: TransferScenario.pattern[written..<written + n]), accepted > 0 else { break }
            written += accepted
        }
        if written == total && !finished {
            finished = (try? client.finish(streamID: id)) != nil
        }
        // Server: read everything available and check it.
        if let server = pair.serverConnection {
            while true {
                guard let r = try? server.read(streamID: id, maxLength: 1 << 20) else { break }
                if received + r.data.count > total || !TransferScenario.matches(r.data, at: received) { corrupt = true }
                received += r.data.count
                if r.isFinished { receivedFin = true }
                if r.data.isEmpty { break }
            }
            if bidirectional && receivedFin && !replySent {
                replySent = true
                _ = try? server.write(streamID: id, data: echoReply)
                try? server.finish(streamID: id)
            }
        }
        if bidirectional, let r = try? client.read(streamID: id) {
            replyReceived += r.data
            if r.isFinished { replyFin = true }
        }
    }

    /// memcmp against the pattern (byte loops are slow in debug builds).
    static func matches(_ data: [UInt8], at offset: Int) -> Bool {
        guard !data.isEmpty else { return true }
        return data.withUnsafeBytes { d in
            pattern.withUnsafeBytes { p in memcmp(d.baseAddress!, p.baseAddress! + offset, d.count) == 0 }
        }
    }

    var isComplete: Bool { receivedFin && (!bidirectional || replyFin) }
}
