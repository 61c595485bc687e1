/// Send streams whose bytes someone else owns (the kernel fast path and the relay's copy of the
/// data): the connection tracks their ranges, acknowledgements and losses, and pulls bytes from
/// `streamDataSource` only when it must send them itself.
extension Connection {
    /// A locally-initiated send stream whose bytes come from `streamDataSource`, never buffered here.
    /// `id` was drawn from `streamIDAllocator` (by the kernel or user space). Counts against
    /// MAX_STREAMS like any opened stream. Creating an existing external stream again does nothing.
    package func createExternalStream(id: UInt64) throws(StreamError) {
        guard !isClosing else { throw .connectionClosed }
        guard StreamID.initiator(id) == role else { throw .notWritable }
        if let existing = sendStreams[id] {
            guard existing.isExternal else { throw .streamIDInUse }
            return
        }
        let i = StreamID.isBidirectional(id) ? 1 : 0
        let index = StreamID.index(id)
        guard !createdLocalStreams[i].contains(index) else { throw .streamIDInUse }
        guard index < peerMaxStreams[i] else {
            if streamsBlockedReported[i] != peerMaxStreams[i] { streamsBlockedPending[i] = true }
            throw .streamLimitReached
        }
        createLocalStream(id: id, startOffset: 0, external: true)
    }

    /// Asks the connection itself to send `range` of an external stream (data the kernel did not
    /// send: a mid-stream join, a handoff, a gap). Bytes are pulled from the source when packets are
    /// built, within flow control and congestion control like ordinary data.
    package func sendExternalStreamData(streamID: UInt64, range: Range<UInt64>) throws(StreamError) {
        let s = try externalStream(streamID)
        if let finalSize = s.finalSize, range.upperBound > finalSize { throw .finished }
        guard !range.isEmpty else { return }
        s.buffer.queueExternal(range)
        if s.state == .ready { s.state = .send }
        // A FIN owed at the end of this range goes with its last byte.
        if s.finRequested && !s.finSent && range.upperBound == s.buffer.endOffset { s.finPending = true }
        scheduleSend(streamID)
    }

    /// Resets an external stream whose other sender (the kernel) may have sent bytes it never
    /// reported: the final size is at least `sentEnd`, since it must cover every byte the peer may
    /// have received (RFC 9000 §4.5; less is a FINAL_SIZE_ERROR there).
    package func resetExternalStream(streamID: UInt64, errorCode: UInt64, sentEnd: UInt64) throws(StreamError) {
        guard !isClosing else { throw .connectionClosed }
        let s = try externalStream(streamID)
        resetSendStream(s, errorCode: errorCode, finalSizeAtLeast: sentEnd)
    }

    /// The stream's final size is known (FIN). The FIN goes with the last byte, sent by whoever sends
    /// it; when that byte was already sent without a FIN, the connection sends the FIN alone.
    package func finishExternalStream(streamID: UInt64, finalSize: UInt64) throws(StreamError) {
        let s = try externalStream(streamID)
        if s.finRequested {
            guard s.finalSize == finalSize else { throw .finished }
            return
        }
        guard finalSize >= s.buffer.endOffset else { throw .finished }
        s.finRequested = true
        s.buffer.setExternalEnd(finalSize)
        if s.state == .ready { s.state = .send }
        updateExternalFin(s)
    }

    /// The external stream `id`, open for sending.
    private func externalStream(_ id: UInt64) throws(StreamError) -> SendStream {
        guard !isClosing else { throw .connectionClosed }
        guard let s = sendStreams[id] else { throw .unknownStream }
        guard s.isExternal else { throw .notWritable }
        if let code = s.stopSendingCode { throw .stopped(errorCode: code) }
        guard s.reset == nil else { throw .finished }
        return s
    }

    /// Decides whether the connection owes the FIN: once the final size is known and no FIN went out,
    /// it sends one when the data through the final size was already sent or is queued here.
    private func updateExternalFin(_ s: SendStream) {
        guard s.finRequested, !s.finSent, !s.finPending, let finalSize = s.finalSize else { return }
        let queuedToEnd = s.buffer.pending.last?.upperBound == finalSize
        if s.buffer.highestSent >= finalSize || queuedToEnd {
            s.finPending = true
            scheduleSend(s.id)
        }
    }

    /// A STREAM frame someone else sent (see `registerExternallySentPacket`).
    package func registerExternallySentStreamData(streamID id: UInt64, range: Range<UInt64>, fin: Bool) {
        if sendStreams[id] == nil {
            // A stream the kernel opened before telling us: create it, unless it existed and is gone.
            let i = StreamID.isBidirectional(id) ? 1 : 0
            guard StreamID.initiator(id) == role, !createdLocalStreams[i].contains(StreamID.index(id)) else { return }
            createLocalStream(id: id, startOffset: 0, external: true)
        }
        guard let s = sendStreams[id], s.isExternal, s.reset == nil else { return }
        sentData += s.buffer.registerSent(range)
        if s.state == .ready { s.state = .send }
        if fin {
            s.finRequested = true
            s.finSent = true
            s.finPending = false
            s.buffer.setExternalEnd(range.upperBound)
            s.state = .dataSent
        } else {
            updateExternalFin(s)
        }
    }

    /// Tells the observer an external stream needs nothing more (all acknowledged, or reset acknowledged).
    package func reportExternalStreamCompleted(_ s: SendStream) {
        guard s.isExternal, s.isTerminal, !s.completionReported else { return }
        s.completionReported = true
        observer?.connectionExternalStreamCompleted(self, streamID: s.id)
    }
}
