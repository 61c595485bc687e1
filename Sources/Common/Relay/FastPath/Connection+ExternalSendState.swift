import QUIC

extension Connection {
    /// True when every byte queued on send stream `streamID` has been sent at least once (nothing
    /// pending), or the stream is gone.
    func hasSentAllQueued(streamID: UInt64) -> Bool {
        guard let s = sendStreams[streamID] else { return true }
        return s.buffer.pending.isEmpty
    }

    /// The lowest offset queued but not sent yet on send stream `streamID` (new data or a
    /// retransmission), or nil.
    func oldestQueuedOffset(streamID: UInt64) -> UInt64? {
        sendStreams[streamID]?.buffer.pending.first?.lowerBound
    }
}

extension Connection {
    /// True when the peer acknowledged the first bytes of send stream `streamID` (so it has seen the
    /// stream), or the stream is gone.
    func firstBytesAcknowledged(streamID: UInt64) -> Bool {
        guard let s = sendStreams[streamID] else { return true }
        return s.buffer.baseOffset > 0
    }
}

extension Connection {
    /// The peer's MAX_STREAM_DATA for send stream `streamID`, or nil.
    func sendStreamLimit(streamID: UInt64) -> UInt64? { sendStreams[streamID]?.maxStreamData }
}
