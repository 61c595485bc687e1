import Wire
@testable import QUIC

/// Stands in for the kernel fast path: draws packet numbers and stream IDs from allocators shared
/// with the client connection, builds cleartext short-header packets holding one STREAM frame
/// itself, puts them on the network as if the connection sent them (or "loses" them), and
/// registers each with the connection.
final class ForeignSender {
    let connection: Connection
    let tap: TappedEndpoint
    let destination: QUICPeerAddress
    private var nextPacketNumber: UInt64
    private var nextStreamIndex: [UInt64] = [0, 0]
    /// Packets built, and those that never reached the network.
    private(set) var packetsSent = 0
    private(set) var droppedRanges: [(streamID: UInt64, range: Range<UInt64>)] = []

    init(connection: Connection, tap: TappedEndpoint, destination: QUICPeerAddress) {
        self.connection = connection
        self.tap = tap
        self.destination = destination
        nextPacketNumber = connection.spaces[PacketNumberSpace.application.rawValue].nextPacketNumber
        nextStreamIndex = connection.localStreamsOpened
        connection.packetNumberAllocator = { [unowned self, unowned connection] space in
            guard space == .application else { return connection.spaces[space.rawValue].nextPacketNumber }
            return self.drawPacketNumber()
        }
        connection.streamIDAllocator = { [unowned self] bidirectional in self.drawStreamID(bidirectional: bidirectional) }
    }

    func drawPacketNumber() -> UInt64 {
        defer { nextPacketNumber += 1 }
        return nextPacketNumber
    }

    func drawStreamID(bidirectional: Bool) -> UInt64 {
        let i = bidirectional ? 1 : 0
        defer { nextStreamIndex[i] += 1 }
        return StreamID.make(index: nextStreamIndex[i], initiator: connection.role, bidirectional: bidirectional)
    }

    /// True when the connection's congestion window has room for another full packet and the
    /// connection has nothing of its own to send (its retransmissions go first).
    var congestionAllows: Bool {
        connection.bytesInFlight + 1200 <= connection.congestionWindow && !connection.hasAckElicitingWork(.application)
    }

    /// True when the peer's stream and connection credit allow sending through `end` on `streamID`.
    func flowControlAllows(streamID: UInt64, end: UInt64) -> Bool {
        let stream = connection.sendStreams[streamID]
        let streamLimit = stream?.maxStreamData ?? connection.initialSendCredit(for: streamID)
        let highest = stream?.buffer.highestSent ?? 0
        let newBytes = end > highest ? end - highest : 0
        return end <= streamLimit && connection.peerDataSent + newBytes <= connection.peerMaxData
    }

    /// Registrations held back by `send(...registerLater: true)`, oldest first.
    private(set) var pendingRegistrations: [(packetNumber: UInt64, size: Int, timeSent: QUICTime, frame: SentFrame)] = []

    /// Registers the held-back packets (as a slow ring buffer would).
    func registerPending(now: QUICTime) {
        for p in pendingRegistrations {
            connection.registerExternallySentPacket(packetNumber: p.packetNumber, sentBytes: p.size, timeSent: p.timeSent, frames: [p.frame], now: now)
        }
        pendingRegistrations = []
    }

    /// Sends [offset, offset+data.count) of `streamID` in one packet; `drop` loses it on the way;
    /// `registerLater` holds its registration until `registerPending`.
    @discardableResult
    func send(streamID: UInt64, offset: UInt64, data: [UInt8], fin: Bool, drop: Bool, registerLater: Bool = false, now: QUICTime) -> [UInt8] {
        let pn = drawPacketNumber()
        var w = ByteWriter()
        w.writeUInt8(0x40 | (connection.keyPhase ? 0x04 : 0) | 0x03)
        w.writeBytes(connection.peerConnectionID.bytes)
        w.writeUInt32(UInt32(truncatingIfNeeded: pn))
        w.writeVarint(0x08 | (offset != 0 ? 0x04 : 0) | 0x02 | (fin ? 0x01 : 0))
        w.writeVarint(streamID, length: 4)
        if offset != 0 { w.writeVarint(offset) }
        w.writeVarint(UInt64(data.count))
        w.writeBytes(data)
        packetsSent += 1
        if drop {
            droppedRanges.append((streamID, offset..<offset + UInt64(data.count)))
        } else {
            tap.inject(w.bytes, to: destination)
        }
        let frame = SentFrame.stream(streamID: streamID, offset: offset, length: data.count, fin: fin)
        if registerLater {
            pendingRegistrations.append((pn, w.count, now, frame))
        } else {
            connection.registerExternallySentPacket(packetNumber: pn, sentBytes: w.count, timeSent: now, frames: [frame], now: now)
        }
        return w.bytes
    }
}

/// The relay's copy of external stream data, for the connection to pull from.
final class PatternDataSource: StreamDataSource {
    /// Where each stream's bytes start in `TransferScenario.pattern`.
    var bases: [UInt64: Int] = [:]
    /// Streams whose bytes are gone.
    var unavailable = Set<UInt64>()
    private(set) var requests: [(streamID: UInt64, range: Range<UInt64>)] = []

    func bytes(streamID: UInt64, offset: UInt64, length: Int) -> [UInt8] {
        let start = (bases[streamID] ?? 0) + Int(offset)
        return Array(TransferScenario.pattern[start..<start + length])
    }

    func streamData(streamID: UInt64, offset: UInt64, length: Int) -> [UInt8]? {
        requests.append((streamID, offset..<offset + UInt64(length)))
        guard !unavailable.contains(streamID) else { return nil }
        return bytes(streamID: streamID, offset: offset, length: length)
    }
}

/// Records what a connection reported through `ConnectionObserver`.
final class RecordingObserver: ConnectionObserver {
    var congestion: [(window: Int, inFlight: Int)] = []
    var completed: [UInt64] = []
    var maxData: [UInt64] = []
    var maxStreamData: [(UInt64, UInt64)] = []
    var maxStreams: [(Bool, UInt64)] = []
    var issued: [UInt64] = []
    var retired: [QUICConnectionID] = []
    var peerConnectionIDs: [QUICConnectionID] = []
    var validatedPaths: [QUICPeerAddress] = []

    func connectionCongestionChanged(_ c: Connection, congestionWindow: Int, bytesInFlight: Int) {
        congestion.append((congestionWindow, bytesInFlight))
    }
    func connectionExternalStreamCompleted(_ c: Connection, streamID: UInt64) { completed.append(streamID) }
    func connectionPeerMaxDataChanged(_ c: Connection, maxData: UInt64) { self.maxData.append(maxData) }
    func connectionPeerMaxStreamDataChanged(_ c: Connection, streamID: UInt64, maxStreamData: UInt64) {
        self.maxStreamData.append((streamID, maxStreamData))
    }
    func connectionPeerMaxStreamsChanged(_ c: Connection, bidirectional: Bool, maxStreams: UInt64) {
        self.maxStreams.append((bidirectional, maxStreams))
    }
    func connectionIssuedLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID, sequence: UInt64) { issued.append(sequence) }
    func connectionRetiredLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID) { retired.append(cid) }
    func connectionPeerConnectionIDChanged(_ c: Connection, _ cid: QUICConnectionID) { peerConnectionIDs.append(cid) }
    func connectionPathValidated(_ c: Connection, _ address: QUICPeerAddress) { validatedPaths.append(address) }
}
