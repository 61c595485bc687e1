/// A packet someone else sent on the connection (the kernel fast path): one STREAM frame, ack-eliciting
/// and in flight. Loss recovery keeps such packets in this compact form, in packet-number order, and
/// turns one into a `SentPacket` only when an ACK leaves it unacknowledged below the largest
/// acknowledged packet (a loss candidate) or a probe needs its data: a packet that is simply
/// acknowledged never becomes one (no per-packet allocation or sorted insert).
package struct ExternalPacket: Sendable, Equatable {
    package var packetNumber: UInt64
    package var timeSent: QUICTime
    package var sentBytes: Int
    package var streamID: UInt64
    package var offset: UInt64
    package var length: Int
    package var fin: Bool

    package init(packetNumber: UInt64, timeSent: QUICTime, sentBytes: Int, streamID: UInt64, offset: UInt64, length: Int, fin: Bool) {
        self.packetNumber = packetNumber
        self.timeSent = timeSent
        self.sentBytes = sentBytes
        self.streamID = streamID
        self.offset = offset
        self.length = length
        self.fin = fin
    }

    /// The same packet as a full record.
    package var sentPacket: SentPacket {
        SentPacket(packetNumber: packetNumber, space: .application, timeSent: timeSent, sentBytes: sentBytes,
                   ackEliciting: true, inFlight: true,
                   frames: [.stream(streamID: streamID, offset: offset, length: length, fin: fin)])
    }
}

/// Pending external packets in packet-number order, consumed from the front.
package struct ExternalPacketQueue: Sendable {
    private var packets: [ExternalPacket] = []
    private var head = 0

    package init() {}

    package var isEmpty: Bool { head == packets.count }
    package var count: Int { packets.count - head }
    package var first: ExternalPacket? { head < packets.count ? packets[head] : nil }

    /// Adds a packet, keeping packet-number order (registrations usually arrive in order).
    package mutating func insert(_ p: ExternalPacket) {
        if head == packets.count {
            packets.removeAll(keepingCapacity: true)
            head = 0
        }
        if let last = packets.last, last.packetNumber > p.packetNumber {
            var lo = head, hi = packets.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if packets[mid].packetNumber < p.packetNumber { lo = mid + 1 } else { hi = mid }
            }
            packets.insert(p, at: lo)
        } else {
            packets.append(p)
        }
    }

    /// Removes and returns the first packet.
    package mutating func popFirst() -> ExternalPacket? {
        guard head < packets.count else { return nil }
        defer {
            head += 1
            if head == packets.count {
                packets.removeAll(keepingCapacity: true)
                head = 0
            } else if head >= 1024 && head * 2 >= packets.count {
                packets.removeFirst(head)
                head = 0
            }
        }
        return packets[head]
    }

    /// Removes everything, returning the packets.
    package mutating func removeAll() -> ArraySlice<ExternalPacket> {
        defer { packets.removeAll(keepingCapacity: true); head = 0 }
        return packets[head...]
    }
}
