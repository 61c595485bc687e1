/// The result of reading a stream.
public struct StreamReadResult: Equatable, Sendable {
    /// The bytes read (possibly empty).
    public var data: [UInt8]
    /// True when the end of the stream was reached: no more data will come.
    public var isFinished: Bool
}

extension Connection {
    private func directionIndex(_ id: UInt64) -> Int { StreamID.isBidirectional(id) ? 1 : 0 }

    // MARK: Application commands

    /// Opens a stream; throws `.streamLimitReached` when the peer's MAX_STREAMS is used up
    /// (a STREAMS_BLOCKED frame is then sent; wait for `.streamsAvailable`).
    public func openStream(bidirectional: Bool) throws(StreamError) -> UInt64 {
        guard !isClosing else { throw .connectionClosed }
        let i = bidirectional ? 1 : 0
        guard localStreamsOpened[i] < peerMaxStreams[i] else {
            if streamsBlockedReported[i] != peerMaxStreams[i] { streamsBlockedPending[i] = true }
            throw .streamLimitReached
        }
        let id = streamIDAllocator?(bidirectional) ?? StreamID.make(index: localStreamsOpened[i], initiator: role, bidirectional: bidirectional)
        localStreamsOpened[i] += 1
        createLocalStream(id: id, startOffset: 0)
        return id
    }

    /// Creates the state of a stream we initiated, possibly starting at a non-zero offset.
    /// (Seam for the kernel fast path, which sends the first part of a stream itself.)
    package func createLocalStream(id: UInt64, startOffset: UInt64) {
        createLocalStream(id: id, startOffset: startOffset, external: false)
    }

    package func createLocalStream(id: UInt64, startOffset: UInt64, external: Bool) {
        let i = directionIndex(id)
        // IDs drawn from a shared allocator may be ahead of our own count: frames about them are legal.
        localStreamsOpened[i] = max(localStreamsOpened[i], StreamID.index(id) + 1)
        createdLocalStreams[i].insert(StreamID.index(id))
        sendStreams[id] = SendStream(id: id, maxStreamData: initialSendCredit(for: id), capacity: external ? 0 : configuration.sendBufferCapacity,
                                     startOffset: startOffset, external: external)
        if StreamID.isBidirectional(id) {
            receiveStreams[id] = ReceiveStream(id: id, window: configuration.initialMaxStreamData)
        }
    }

    /// Queues data on a stream and returns how many bytes were accepted (bounded by the send
    /// buffer). When fewer than offered are accepted, `.streamWritable` follows once there is room.
    @discardableResult
    public func write(streamID: UInt64, data: some Collection<UInt8>) throws(StreamError) -> Int {
        guard !isClosing else { throw .connectionClosed }
        guard let stream = sendStreams[streamID] else {
            if !StreamID.isBidirectional(streamID) && StreamID.initiator(streamID) != role { throw .notWritable }
            throw .unknownStream
        }
        if let code = stream.stopSendingCode { throw .stopped(errorCode: code) }
        guard !stream.finRequested, stream.reset == nil else { throw .finished }
        guard !stream.isExternal else { throw .notWritable }
        let n = stream.write(data)
        if n > 0 { scheduleSend(streamID) }
        return n
    }

    /// Ends the stream's sending side after the data written so far (FIN).
    public func finish(streamID: UInt64) throws(StreamError) {
        guard !isClosing else { throw .connectionClosed }
        guard let stream = sendStreams[streamID] else { throw .unknownStream }
        guard !stream.finRequested, stream.reset == nil else { throw .finished }
        guard !stream.isExternal else { throw .notWritable }
        stream.finRequested = true
        stream.finPending = true
        if stream.state == .ready { stream.state = .send }
        scheduleSend(streamID)
    }

    /// Reads up to `maxLength` bytes. Reading returns flow-control credit to the peer.
    public func read(streamID: UInt64, maxLength: Int = .max) throws(StreamError) -> StreamReadResult {
        guard let stream = receiveStreams[streamID] else {
            if !StreamID.isBidirectional(streamID) && StreamID.initiator(streamID) == role { throw .notReadable }
            throw .unknownStream
        }
        let data = stream.buffer.read(maxLength: maxLength)
        stream.readableSignaled = false
        consumedData += UInt64(data.count)
        let finished = stream.finalSize == stream.buffer.readOffset && stream.reset == nil
        if !data.isEmpty { updateReceiveCredit(stream) }
        if finished && !stream.isDone {
            stream.isDone = true
            maybeForgetStream(streamID)
        }
        return StreamReadResult(data: data, isFinished: finished)
    }

    /// Abruptly ends our sending side (RESET_STREAM).
    public func resetStream(streamID: UInt64, errorCode: UInt64) throws(StreamError) {
        guard !isClosing else { throw .connectionClosed }
        guard let stream = sendStreams[streamID] else { throw .unknownStream }
        resetSendStream(stream, errorCode: errorCode)
    }

    /// Asks the peer to stop sending (STOP_SENDING); data arriving later is discarded.
    public func stopSending(streamID: UInt64, errorCode: UInt64) throws(StreamError) {
        guard !isClosing else { throw .connectionClosed }
        guard let stream = receiveStreams[streamID] else { throw .unknownStream }
        guard stream.stopSendingCode == nil, stream.reset == nil, !stream.allDataReceived else { return }
        stream.stopSendingCode = errorCode
        stream.stopSendingPending = true
        scheduleSend(streamID)
        // Discard what is buffered: the application said it does not want it.
        let unread = stream.buffer.read()
        consumedData += UInt64(unread.count)
        updateReceiveCredit(stream)
    }

    /// Sets a stream's send priority: lower values are sent first; streams of equal priority
    /// share the link round robin. The default is 128.
    public func setPriority(streamID: UInt64, _ priority: Int) throws(StreamError) {
        guard let stream = sendStreams[streamID] else { throw .unknownStream }
        stream.priority = priority
    }

    /// The largest DATAGRAM payload the peer accepts and one packet can carry, or nil when the
    /// peer does not support DATAGRAM frames.
    public var maxDatagramPayloadSize: Int? {
        guard let peerMax = peerTransportParameters?.maxDatagramFrameSize, peerMax > 0 else { return nil }
        let maxSize = min(configuration.maxDatagramSize, Int(peerTransportParameters?.maxUDPPayloadSize ?? 1200))
        // Short header, 4-byte packet number, AEAD tag, frame type and a 2-byte length.
        let packetRoom = maxSize - (1 + peerConnectionID.count + 4 + 16) - 3
        return max(0, min(packetRoom, Int(min(peerMax, UInt64(Int.max))) - 3))
    }

    /// Queues an unreliable DATAGRAM frame (RFC 9221). It is sent once, never retransmitted;
    /// when more than 256 wait, the oldest is dropped.
    public func sendDatagram(_ data: [UInt8]) throws(DatagramError) {
        guard !isClosing else { throw .connectionClosed }
        guard let maximum = maxDatagramPayloadSize else { throw .notSupportedByPeer }
        guard data.count <= maximum else { throw .tooLarge(maximum: maximum) }
        if pendingDatagrams.count >= 256 { pendingDatagrams.removeFirst() }
        pendingDatagrams.append(data)
    }

    /// Switches to the next connection ID the peer issued and retires the current one
    /// (e.g. before a migration). Returns false when the peer gave no spare ID.
    @discardableResult
    public func rotatePeerConnectionID() -> Bool {
        guard let next = peerConnectionIDs.min(by: { $0.key < $1.key }) else { return false }
        retireConnectionIDsPending.append(peerConnectionIDSequence)
        peerConnectionIDSequence = next.key
        peerConnectionID = next.value.connectionID
        peerConnectionIDs[next.key] = nil
        observer?.connectionPeerConnectionIDChanged(self, peerConnectionID)
        return true
    }

    /// Starts a 1-RTT key update (RFC 9001 §6). Returns false when not allowed yet: before the
    /// handshake is confirmed, or while a previous update is still unacknowledged.
    @discardableResult
    public func initiateKeyUpdate() -> Bool {
        guard handshakeConfirmed, !isClosing, writeKeys[EncryptionLevel.oneRTT.rawValue] != nil else { return false }
        if let first = keyPhaseFirstPacket {
            guard let acked = recovery.spaces[PacketNumberSpace.application.rawValue].largestAckedPacket, acked >= first else { return false }
        }
        if cleartext {
            // No keys to change: only the key phase bit flips (the peer ignores it).
            keyPhaseFirstPacket = spaces[PacketNumberSpace.application.rawValue].nextPacketNumber
            keyPhase.toggle()
            keyUpdates += 1
            return true
        }
        rotateKeys(peerInitiated: false)
        return true
    }

    /// Bytes the application may still write on a stream.
    public func writableBytes(streamID: UInt64) -> Int { sendStreams[streamID]?.writableBytes ?? 0 }

    /// True when a stream has sent everything and the peer acknowledged it (or it was reset).
    public func isSendComplete(streamID: UInt64) -> Bool { sendStreams[streamID].map(\.isTerminal) ?? true }

    /// Stream IDs with state still held, for diagnostics.
    public var openStreamIDs: [UInt64] { Array(Set(sendStreams.keys).union(receiveStreams.keys)).sorted() }

    // MARK: Internals

    package func resetSendStream(_ stream: SendStream, errorCode: UInt64, finalSizeAtLeast: UInt64 = 0) {
        guard stream.reset == nil, stream.state != .dataRecvd else { return }
        stream.reset = (errorCode, max(stream.buffer.highestSent, finalSizeAtLeast))
        stream.resetPending = true
        stream.state = .resetSent
        stream.buffer.discardAll()
        stream.finPending = false
        scheduleSend(stream.id)
    }

    package func scheduleSend(_ id: UInt64) {
        if inSendQueue.insert(id).inserted { sendQueue.append(id) }
    }

    /// Returns flow-control credit after the application consumed data, growing windows when
    /// updates come faster than every two RTTs (auto-tuning).
    package func updateReceiveCredit(_ stream: ReceiveStream) {
        let now = lastActivity
        if stream.finalSize == nil && stream.reset == nil {
            let remaining = stream.maxStreamData - stream.buffer.readOffset
            if remaining < stream.window / 2 {
                if let last = stream.lastWindowUpdate, now - last < recovery.rtt.smoothedRtt * 2 {
                    stream.window = min(stream.window * 2, configuration.maxStreamDataWindowLimit)
                }
                stream.lastWindowUpdate = now
                stream.maxStreamData = stream.buffer.readOffset + stream.window
                stream.maxStreamDataPending = true
                scheduleSend(stream.id)
            }
        }
        let remaining = localMaxData - consumedData
        if remaining < dataWindow / 2 {
            if let last = lastMaxDataUpdate, now - last < recovery.rtt.smoothedRtt * 2 {
                dataWindow = min(dataWindow * 2, configuration.maxDataWindowLimit)
            }
            lastMaxDataUpdate = now
            localMaxData = consumedData + dataWindow
            maxDataPending = true
        }
    }

    /// Forgets a stream once both sides are finished, returning stream credit for peer streams.
    package func maybeForgetStream(_ id: UInt64) {
        let receiveDone = receiveStreams[id].map(\.isDone) ?? true
        let sendDone = sendStreams[id].map(\.isTerminal) ?? true
        guard receiveDone && sendDone else { return }
        receiveStreams[id] = nil
        sendStreams[id] = nil
        guard StreamID.initiator(id) != role else { return }
        let i = directionIndex(id)
        peerStreamsClosed[i] += 1
        let initial = i == 1 ? configuration.initialMaxStreamsBidi : configuration.initialMaxStreamsUni
        if localMaxStreams[i] - peerStreamsClosed[i] <= initial / 2 {
            localMaxStreams[i] = peerStreamsClosed[i] + initial
            maxStreamsPending[i] = true
        }
    }

    /// The receiving side of a stream a frame names, opening peer streams implicitly; nil when
    /// the stream is already closed and forgotten.
    package func receiveStream(for id: UInt64, frameType: UInt64) throws(QUICError) -> ReceiveStream? {
        let i = directionIndex(id)
        if StreamID.initiator(id) == role {
            guard i == 1 else { throw QUICError(.streamStateError, frameType: frameType, "receiving on our unidirectional stream") }
            guard StreamID.index(id) < localStreamsOpened[i] else { throw QUICError(.streamStateError, frameType: frameType, "stream not opened yet") }
            return receiveStreams[id]
        }
        try openPeerStreams(upTo: id, frameType: frameType)
        return receiveStreams[id]
    }

    /// The sending side of a stream a frame names; nil when closed and forgotten.
    package func sendStream(for id: UInt64, frameType: UInt64) throws(QUICError) -> SendStream? {
        let i = directionIndex(id)
        if StreamID.initiator(id) == role {
            guard StreamID.index(id) < localStreamsOpened[i] else { throw QUICError(.streamStateError, frameType: frameType, "stream not opened yet") }
            return sendStreams[id]
        }
        guard i == 1 else { throw QUICError(.streamStateError, frameType: frameType, "peer's unidirectional stream has no sending side") }
        try openPeerStreams(upTo: id, frameType: frameType)
        return sendStreams[id]
    }

    private func openPeerStreams(upTo id: UInt64, frameType: UInt64) throws(QUICError) {
        let i = directionIndex(id)
        let index = StreamID.index(id)
        guard index < localMaxStreams[i] else { throw QUICError(.streamLimitError, frameType: frameType, "stream \(id) beyond our limit") }
        while peerStreamsOpened[i] <= index {
            let newID = StreamID.make(index: peerStreamsOpened[i], initiator: role.peer, bidirectional: i == 1)
            peerStreamsOpened[i] += 1
            receiveStreams[newID] = ReceiveStream(id: newID, window: configuration.initialMaxStreamData)
            if i == 1 {
                sendStreams[newID] = SendStream(id: newID, maxStreamData: initialSendCredit(for: newID), capacity: configuration.sendBufferCapacity)
            }
            emit(.streamOpened(streamID: newID))
        }
    }

    package func onStreamFrame(_ f: StreamFrame) throws(QUICError) {
        let type = f.typeValue
        guard let stream = try receiveStream(for: f.streamID, frameType: type) else { return }
        let end = f.offset + UInt64(f.data.count)
        if let finalSize = stream.finalSize {
            if end > finalSize || (f.fin && end != finalSize) { throw QUICError(.finalSizeError, frameType: type, "data beyond final size") }
        }
        if f.fin {
            if stream.buffer.highestReceived > end { throw QUICError(.finalSizeError, frameType: type, "final size below received data") }
            stream.finalSize = end
        }
        if end > stream.maxStreamData { throw QUICError(.flowControlError, frameType: type, "stream flow control exceeded") }
        let newBytes = end > stream.buffer.highestReceived ? end - stream.buffer.highestReceived : 0
        if receivedData + newBytes > localMaxData { throw QUICError(.flowControlError, frameType: type, "connection flow control exceeded") }
        receivedData += newBytes
        guard stream.reset == nil else { return }
        if stream.stopSendingCode != nil {
            consumedData += newBytes
            return
        }
        let readable = stream.buffer.insert(offset: f.offset, data: f.data)
        if (readable || (stream.allDataReceived && stream.buffer.readableCount == 0)) && !stream.readableSignaled {
            stream.readableSignaled = true
            emit(.streamReadable(streamID: f.streamID))
        }
        if stream.allDataReceived && !stream.finishedSignaled {
            stream.finishedSignaled = true
            emit(.streamFinished(streamID: f.streamID))
        }
    }

    package func onResetStream(id: UInt64, errorCode: UInt64, finalSize: UInt64) throws(QUICError) {
        let type = FrameType.resetStream
        guard let stream = try receiveStream(for: id, frameType: type) else { return }
        if let known = stream.finalSize, known != finalSize { throw QUICError(.finalSizeError, frameType: type, "final size changed") }
        if stream.buffer.highestReceived > finalSize { throw QUICError(.finalSizeError, frameType: type, "final size below received data") }
        if finalSize > stream.maxStreamData { throw QUICError(.flowControlError, frameType: type, "final size beyond stream credit") }
        let newBytes = finalSize - stream.buffer.highestReceived
        if receivedData + newBytes > localMaxData { throw QUICError(.flowControlError, frameType: type, "final size beyond connection credit") }
        receivedData += newBytes
        guard stream.reset == nil, !stream.isDone else { return }
        stream.finalSize = finalSize
        stream.reset = (errorCode, finalSize)
        // Everything not yet read is discarded: return its credit.
        consumedData += finalSize - stream.buffer.readOffset
        _ = stream.buffer.read()
        stream.isDone = true
        emit(.streamReset(streamID: id, errorCode: errorCode))
        updateReceiveCredit(stream)
        maybeForgetStream(id)
    }

    package func onStopSending(id: UInt64, errorCode: UInt64) throws(QUICError) {
        guard let stream = try sendStream(for: id, frameType: FrameType.stopSending) else { return }
        guard stream.stopSendingCode == nil else { return }
        stream.stopSendingCode = errorCode
        emit(.stopSendingReceived(streamID: id, errorCode: errorCode))
        resetSendStream(stream, errorCode: errorCode)
    }
}
