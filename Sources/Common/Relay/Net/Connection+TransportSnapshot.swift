import QUIC

extension Connection {
    /// The relay's view of this connection's send side (call on its event loop); `sessionBacklog`
    /// is what the MoQT session still holds back (`MoQTSession.queuedByteCount`).
    func transportSnapshot(sessionBacklog: Int) -> TransportSnapshot {
        var unacked = sessionBacklog
        var pendingData = false
        var streamBlocked = false
        for stream in sendStreams.values where stream.reset == nil {
            unacked += stream.buffer.unackedCount
            if let next = stream.buffer.nextOffset {
                pendingData = true
                if next >= stream.maxStreamData { streamBlocked = true }
            }
        }
        let connectionBlocked = pendingData && sentData >= peerMaxData
        return TransportSnapshot(congestionWindow: congestionWindow, bytesInFlight: bytesInFlight,
                                 smoothedRTTNanoseconds: smoothedRTT.nanoseconds,
                                 unacknowledgedBytes: unacked, flowControlBlocked: connectionBlocked || streamBlocked)
    }

    /// True once the peer acknowledged the first bytes of stream `streamID` (or the stream is gone).
    func hasDeliveredData(streamID: UInt64) -> Bool {
        guard let stream = sendStreams[streamID] else { return true }
        return stream.buffer.baseOffset > 0 || stream.isTerminal
    }
}

extension Connection {
    /// The largest packet number the peer acknowledged in the application space (nil before any):
    /// it stops moving when the peer stops acknowledging (`SlowSubscriberDetector`).
    var largestAcknowledgedPacket: UInt64? {
        recovery.spaces[PacketNumberSpace.application.rawValue].largestAckedPacket
    }
}
