/// The sending side of a stream (RFC 9000 §3.1).
package final class SendStream {
    /// Sending-part states.
    package enum State: Equatable {
        case ready, send, dataSent, dataRecvd, resetSent, resetRecvd
    }

    package let id: UInt64
    package var state: State = .ready
    package var buffer: SendBuffer
    /// The peer's MAX_STREAM_DATA credit.
    package var maxStreamData: UInt64
    /// The most data the application may buffer before writes are refused.
    package let capacity: Int
    package var finRequested = false
    /// True while the FIN still has to go out (first time or after loss).
    package var finPending = false
    package var finAcked = false
    /// Set by RESET_STREAM we send: (error code, final size).
    package var reset: (errorCode: UInt64, finalSize: UInt64)?
    package var resetPending = false
    package var resetAcked = false
    /// The code from STOP_SENDING, when received.
    package var stopSendingCode: UInt64?
    /// A write was (partly) refused; emit `.streamWritable` when room frees up.
    package var wantsWritable = false
    /// Send priority: lower values go first (MoQ publisher priority semantics); equal values share round robin.
    package var priority = 128
    /// The limit announced in our last STREAM_DATA_BLOCKED.
    package var blockedAt: UInt64?
    /// A FIN went out (sent here or registered as sent by someone else).
    package var finSent = false
    /// External streams: the owner was told the stream completed.
    package var completionReported = false

    package init(id: UInt64, maxStreamData: UInt64, capacity: Int, startOffset: UInt64 = 0, external: Bool = false) {
        self.id = id
        self.maxStreamData = maxStreamData
        self.capacity = capacity
        self.buffer = SendBuffer(startOffset: startOffset, external: external)
    }

    /// The stream's bytes come from the connection's `StreamDataSource`, not from `write`.
    package var isExternal: Bool { buffer.isExternal }

    /// Free buffer space.
    package var writableBytes: Int {
        guard !isExternal, state == .ready || state == .send else { return 0 }
        return max(0, capacity - buffer.unackedCount)
    }

    /// The final size once known.
    package var finalSize: UInt64? { finRequested ? buffer.endOffset : reset?.finalSize }

    /// True when this side needs nothing more from the transport.
    package var isTerminal: Bool { state == .dataRecvd || state == .resetRecvd }

    /// True when a STREAM frame (data or a bare FIN) could be sent now, ignoring connection credit.
    package var hasSendableData: Bool {
        guard reset == nil else { return false }
        if finPending && !buffer.hasPending { return true }
        guard let next = buffer.nextOffset else { return false }
        return next < maxStreamData || next < buffer.highestSent
    }

    /// Accepts up to `writableBytes` of `data`.
    package func write(_ data: some Collection<UInt8>) -> Int {
        let n = min(data.count, writableBytes)
        if n > 0 {
            buffer.append(data.prefix(n))
            state = .send
        }
        if n < data.count { wantsWritable = true }
        return n
    }

    package func onAcked(offset: UInt64, length: Int, fin: Bool) {
        // After our RESET_STREAM the data is gone (`discardAll`); late ACKs of it change nothing.
        guard reset == nil else { return }
        buffer.onAcked(offset..<offset + UInt64(length))
        if fin { finAcked = true }
        if finAcked && buffer.isFullyAcked && reset == nil { state = .dataRecvd }
    }

    package func onLost(offset: UInt64, length: Int, fin: Bool) {
        guard reset == nil else { return }
        buffer.onLost(offset..<offset + UInt64(length))
        if fin && !finAcked { finPending = true }
    }
}
