import Wire

/// One packet being assembled before it is protected.
struct PacketPlan {
    var space: PacketNumberSpace
    var packetNumber: UInt64
    var packetNumberLength: Int
    var headerLength: Int
    var payload: ByteWriter
    var frames: [SentFrame]
    var ackEliciting: Bool
    var includesAck: Bool
    /// PADDING was added: the packet counts in flight even without ack-eliciting frames.
    var padded = false
    /// The AEAD tag length: 16, or 0 for cleartext 1-RTT packets.
    var tagLength = 16
    /// The packet holds one fast-path STREAM frame and must stay alone (`fastPathEncoding`).
    var solo = false
    /// The packet shares its datagram with earlier packets: no solo STREAM frame in it.
    var coalesced = false
    /// Bytes on the wire once protected.
    var size: Int { headerLength + packetNumberLength + payload.count + tagLength }
}

extension Connection {
    /// The next UDP datagram to send to `peerAddress`, or nil when there is nothing to send now.
    /// Coalesces Initial, Handshake and 1-RTT packets when several levels have something to say.
    public func pollTransmit(now: QUICTime) -> [UInt8]? {
        defer { reportCongestionIfChanged() }
        switch state {
        case .closed, .draining: return nil
        case .closing: return closeDatagram(now: now)
        default: break
        }
        let maxSize = min(configuration.maxDatagramSize, Int(peerTransportParameters?.maxUDPPayloadSize ?? 1200))
        var budget = maxSize
        if role == .server && !addressValidated {
            let allowance = 3 * bytesReceived - bytesSent
            budget = min(budget, allowance)
            if budget < 64 {
                recovery.amplificationBlocked = true
                return nil
            }
            recovery.amplificationBlocked = false
        }
        var plans: [PacketPlan] = []
        var used = 0
        for space in PacketNumberSpace.allCases {
            if let plan = buildPacket(space: space, room: budget - used, coalesced: used > 0, now: now) {
                used += plan.size
                plans.append(plan)
            }
        }
        guard !plans.isEmpty else { return nil }
        // Datagrams with Initial packets are padded to 1200 bytes (RFC 9000 §14.1).
        let hasInitial = plans.contains { $0.space == .initial && (role == .client || $0.ackEliciting) }
        if hasInitial && used < 1200 {
            let pad = min(1200, budget) - used
            if pad > 0 {
                for _ in 0..<pad { plans[plans.count - 1].payload.writeUInt8(0) }
                plans[plans.count - 1].padded = true
                used += pad
            }
        }
        var datagram: [UInt8] = []
        datagram.reserveCapacity(used)
        for plan in plans { datagram += seal(plan, now: now) }
        bytesSent += datagram.count
        return datagram
    }

    private func headerLength(space: PacketNumberSpace) -> Int {
        switch space {
        case .initial: return 1 + 4 + 1 + peerConnectionID.count + 1 + localConnectionID.count + QUICVarint.encodedLength(UInt64(token.count)) + token.count + 2
        case .handshake: return 1 + 4 + 1 + peerConnectionID.count + 1 + localConnectionID.count + 2
        case .application: return 1 + peerConnectionID.count
        }
    }

    /// The AEAD tag length of packets in `space` (none for cleartext 1-RTT).
    private func tagLength(_ space: PacketNumberSpace) -> Int { space == .application && cleartext ? 0 : 16 }

    private func peekPacketNumber(_ space: PacketNumberSpace) -> UInt64 { spaces[space.rawValue].nextPacketNumber }

    /// Assembles one packet for `space` within `room` bytes, or nil.
    private func buildPacket(space: PacketNumberSpace, room: Int, coalesced: Bool, now: QUICTime) -> PacketPlan? {
        let level = space.sendLevel
        guard writeKeys[level.rawValue] != nil, !spaces[space.rawValue].discarded else { return nil }
        let pn = peekPacketNumber(space)
        // Fixed 4-byte packet numbers for the fast path, and whenever an allocator may hand out a
        // number other than the one peeked here.
        let pnLength = space == .application && (configuration.fastPathEncoding || packetNumberAllocator != nil) ? 4
            : PacketNumberCoding.encodedLength(fullPacketNumber: pn, largestAcknowledged: recovery.spaces[space.rawValue].largestAckedPacket)
        var plan = PacketPlan(space: space, packetNumber: pn, packetNumberLength: pnLength, headerLength: headerLength(space: space),
                              payload: ByteWriter(capacity: room), frames: [], ackEliciting: false, includesAck: false)
        plan.tagLength = tagLength(space)
        plan.coalesced = coalesced
        let overhead = plan.headerLength + pnLength + plan.tagLength
        guard room >= overhead + 8 else { return nil }
        let limit = room - overhead
        let si = space.rawValue
        let probing = spaces[si].probesPending > 0
        var congestionAllows = probing || recovery.bytesInFlight + configuration.maxDatagramSize <= recovery.congestion.congestionWindow
        if congestionAllows && !probing && space == .application && configuration.pacing && handshakeConfirmed {
            if let wait = pacer.delay(now: now, congestionWindow: recovery.congestion.congestionWindow, smoothedRtt: recovery.rtt.smoothedRtt) {
                if hasAckElicitingWork(space) { pacingDeadline = wait }
                congestionAllows = false
            }
        }

        // ACK first: when due, or piggybacked on anything else we send.
        let ackPending = spaces[si].ackPending
        let ackDue = ackPending && (spaces[si].ackDeadline.map { $0 <= now } ?? false)
        let wantsData = congestionAllows && hasAckElicitingWork(space)
        if ackPending && (ackDue || wantsData || probing),
           let ack = spaces[si].makeAckFrame(now: now, ackDelayExponent: configuration.ackDelayExponent) {
            let f = Frame.ack(ack)
            let before = plan.payload.count
            f.encode(to: &plan.payload)
            if plan.payload.count > limit {
                plan.payload.bytes.removeLast(plan.payload.count - before)
            } else {
                plan.frames.append(.ack(largestAcknowledged: ack.largestAcknowledged))
                plan.includesAck = true
            }
        }
        if congestionAllows {
            if probing && !hasAckElicitingWork(space) { requeueForProbe(space) }
            // Before the data: a bulk transfer would otherwise never leave room for it.
            if space == .application, let f = ackFrequencyPending {
                let before = plan.payload.count
                Frame.ackFrequency(f).encode(to: &plan.payload)
                if plan.payload.count > limit {
                    plan.payload.bytes.removeLast(plan.payload.count - before)
                } else {
                    plan.frames.append(.ackFrequency(sequenceNumber: f.sequenceNumber))
                    plan.ackEliciting = true
                    ackFrequencyPending = nil
                }
            }
            // A probe asks for an ACK at once from a peer we asked to delay them (ACK_FREQUENCY sent).
            // Only then: a peer may offer min_ack_delay yet reject IMMEDIATE_ACK (0x1f) as a
            // PROTOCOL_VIOLATION (picoquic, under aiomoqt, does).
            if probing && space == .application && ackFrequencySent != nil && peerAcceptsAckFrequency && plan.payload.count < limit {
                Frame.immediateAck.encode(to: &plan.payload)
                plan.frames.append(.immediateAck)
                plan.ackEliciting = true
            }
            let fillsWindow = !probing && space == .application && ackFrequencySent != nil
                && recovery.bytesInFlight + 2 * configuration.maxDatagramSize > recovery.congestion.congestionWindow
            let before = plan.payload.count
            // One byte kept for the IMMEDIATE_ACK.
            writeControlAndData(space: space, plan: &plan, limit: fillsWindow ? limit - 1 : limit, now: now)
            // So does the last data packet the congestion window lets out: the next ACK clocks out the
            // next flight, and waiting for the peer's delay would stretch every round trip by it. Only
            // with data in it (never a packet of its own) and never beside a STREAM frame that must be
            // alone in its packet (fast-path encoding).
            if fillsWindow && plan.payload.count > before && !plan.solo && peerAcceptsAckFrequency {
                Frame.immediateAck.encode(to: &plan.payload)
                plan.frames.append(.immediateAck)
                plan.ackEliciting = true
            }
            if probing && !plan.ackEliciting && plan.payload.count < limit {
                Frame.ping.encode(to: &plan.payload)
                plan.frames.append(.ping)
                plan.ackEliciting = true
            }
            if pingPending && space == .application {
                if !plan.ackEliciting && plan.payload.count < limit {
                    Frame.ping.encode(to: &plan.payload)
                    plan.frames.append(.ping)
                    plan.ackEliciting = true
                }
                // Any ack-eliciting packet does what the PING was for (the peer answers it).
                if plan.ackEliciting { pingPending = false }
            }
        }
        guard plan.payload.count > 0 else { return nil }
        // Header protection samples 16 bytes starting 4 bytes after the packet number.
        let minPayload = 4 - pnLength
        while plan.payload.count < minPayload { plan.payload.writeUInt8(0) }
        // Updated in place: copying the whole space state would retain and release its buffers.
        if probing && plan.ackEliciting { spaces[si].probesPending = max(0, spaces[si].probesPending - 1) }
        if plan.includesAck {
            spaces[si].ackPending = false
            spaces[si].ackDeadline = nil
            spaces[si].ackElicitingSinceAck = 0
            spaces[si].ackSentLargest = spaces[si].largestReceived
        }
        spaces[si].nextPacketNumber = pn + 1
        if let allocator = packetNumberAllocator {
            plan.packetNumber = allocator(space)
            spaces[space.rawValue].nextPacketNumber = max(spaces[space.rawValue].nextPacketNumber, plan.packetNumber + 1)
        }
        return plan
    }

    /// True when `space` has ack-eliciting frames waiting.
    package func hasAckElicitingWork(_ space: PacketNumberSpace) -> Bool {
        if spaces[space.rawValue].cryptoSend.hasPending { return true }
        guard space == .application else { return false }
        if handshakeDonePending || maxDataPending || dataBlockedPending || !pathResponses.isEmpty || pingPending { return true }
        if space == .application && ackFrequencyPending != nil { return true }
        if !pathChallengesPending.isEmpty || !newConnectionIDsPending.isEmpty { return true }
        if !pendingDatagrams.isEmpty && writeKeys[EncryptionLevel.oneRTT.rawValue] != nil { return true }
        if maxStreamsPending.contains(true) || streamsBlockedPending.contains(true) || !retireConnectionIDsPending.isEmpty { return true }
        for id in sendQueue {
            if let s = sendStreams[id], s.resetPending || s.hasSendableData { return true }
            if let r = receiveStreams[id], r.maxStreamDataPending || r.stopSendingPending { return true }
        }
        return false
    }

    /// A PTO probe with nothing new to say resends the oldest unacknowledged data.
    private func requeueForProbe(_ space: PacketNumberSpace) {
        if space != .application {
            spaces[space.rawValue].cryptoSend.requeueAllUnacked()
            return
        }
        if let oldest = recovery.oldestUnacked(space: space) {
            for frame in oldest.frames { requeue(frame) }
        }
    }

    private func writeControlAndData(space: PacketNumberSpace, plan: inout PacketPlan, limit: Int, now: QUICTime) {
        func room() -> Int { limit - plan.payload.count }
        func put(_ frame: Frame, _ sent: SentFrame) -> Bool {
            let before = plan.payload.count
            frame.encode(to: &plan.payload)
            if plan.payload.count > limit {
                plan.payload.bytes.removeLast(plan.payload.count - before)
                return false
            }
            plan.frames.append(sent)
            if frame.isAckEliciting { plan.ackEliciting = true }
            return true
        }

        if space == .application {
            if handshakeDonePending, put(.handshakeDone, .handshakeDone) { handshakeDonePending = false }
            while let data = pathResponses.first, put(.pathResponse(data), .pathResponse) { pathResponses.removeFirst() }
            while let data = pathChallengesPending.first, put(.pathChallenge(data), .pathChallenge) { pathChallengesPending.removeFirst() }
            if maxDataPending, put(.maxData(localMaxData), .maxData) { maxDataPending = false }
            for i in 0..<2 where maxStreamsPending[i] {
                if put(.maxStreams(bidirectional: i == 1, maximum: localMaxStreams[i]), .maxStreams(bidirectional: i == 1)) { maxStreamsPending[i] = false }
            }
            for i in 0..<2 where streamsBlockedPending[i] {
                if put(.streamsBlocked(bidirectional: i == 1, limit: peerMaxStreams[i]), .streamsBlocked(bidirectional: i == 1)) {
                    streamsBlockedPending[i] = false
                    streamsBlockedReported[i] = peerMaxStreams[i]
                }
            }
            while let seq = newConnectionIDsPending.first {
                guard let cid = activeLocalConnectionIDs[seq], let token = localConnectionIDTokens[seq] else {
                    newConnectionIDsPending.removeFirst()
                    continue
                }
                let frame = NewConnectionIDFrame(sequenceNumber: seq, retirePriorTo: 0, connectionID: cid, statelessResetToken: token)
                guard put(.newConnectionID(frame), .newConnectionID(sequenceNumber: seq)) else { break }
                newConnectionIDsPending.removeFirst()
            }
            while let seq = retireConnectionIDsPending.first, put(.retireConnectionID(sequenceNumber: seq), .retireConnectionID(sequenceNumber: seq)) {
                retireConnectionIDsPending.removeFirst()
            }
            if dataBlockedPending, put(.dataBlocked(limit: peerMaxData), .dataBlocked) { dataBlockedPending = false }
        }

        // CRYPTO data of this level.
        while room() > 8, let next = spaces[space.rawValue].cryptoSend.nextOffset {
            let header = 1 + QUICVarint.encodedLength(next) + 2
            guard let chunk = spaces[space.rawValue].cryptoSend.nextChunk(maxLength: min(room() - header, 16383)) else { break }
            _ = put(.crypto(offset: chunk.offset, data: chunk.data), .crypto(space: space, offset: chunk.offset, length: chunk.data.count))
        }
        guard space == .application, writeKeys[EncryptionLevel.oneRTT.rawValue] != nil else { return }

        // DATAGRAM frames go before stream data (they are for latency-sensitive payloads).
        while let data = pendingDatagrams.first, put(.datagram(data: data, hasLength: true), .datagram) {
            pendingDatagrams.removeFirst()
        }

        // Per-stream control frames, then stream data: by priority, round robin within one priority
        // (the sort is stable, so the queue order rotates among equals).
        if sendQueue.count > 1 {
            let priorities = sendQueue.map { sendStreams[$0]?.priority ?? -1 }
            if zip(priorities, priorities.dropFirst()).contains(where: { $0 > $1 }) {
                sendQueue = zip(sendQueue, priorities).enumerated()
                    .sorted { ($0.element.1, $0.offset) < ($1.element.1, $1.offset) }
                    .map(\.element.0)
            }
        }
        var rotations = sendQueue.count
        while rotations > 0, room() > 12, !sendQueue.isEmpty, !plan.solo {
            rotations -= 1
            let id = sendQueue.removeFirst()
            inSendQueue.remove(id)
            var keep = false
            if let r = receiveStreams[id] {
                if r.stopSendingPending, let code = r.stopSendingCode {
                    if put(.stopSending(streamID: id, errorCode: code), .stopSending(streamID: id)) { r.stopSendingPending = false } else { keep = true }
                }
                if r.maxStreamDataPending, r.finalSize == nil {
                    if put(.maxStreamData(streamID: id, maximum: r.maxStreamData), .maxStreamData(streamID: id)) { r.maxStreamDataPending = false } else { keep = true }
                } else if r.finalSize != nil {
                    r.maxStreamDataPending = false
                }
            }
            if let s = sendStreams[id] {
                if s.resetPending, let reset = s.reset {
                    if put(.resetStream(streamID: id, errorCode: reset.errorCode, finalSize: reset.finalSize), .resetStream(streamID: id)) {
                        s.resetPending = false
                    } else { keep = true }
                } else if s.reset == nil {
                    if !sendsAlone(id) {
                        writeStreamData(s, plan: &plan, limit: limit, solo: false)
                    } else if plan.payload.count == 0 && !plan.coalesced {
                        // Fast-path encoding: this stream's STREAM frame is alone in its packet.
                        plan.solo = writeStreamData(s, plan: &plan, limit: limit, solo: true)
                    }
                    // An external stream whose bytes are gone was just reset: say so now.
                    if s.resetPending, let reset = s.reset {
                        if put(.resetStream(streamID: id, errorCode: reset.errorCode, finalSize: reset.finalSize), .resetStream(streamID: id)) {
                            s.resetPending = false
                        } else { keep = true }
                    }
                    if s.hasSendableData && !isBlocked(s) { keep = true }
                }
            }
            if keep { scheduleSend(id) }
        }
    }

    private func isBlocked(_ s: SendStream) -> Bool {
        guard let next = s.buffer.nextOffset, next >= s.buffer.highestSent else { return false }
        return next >= s.maxStreamData || sentData >= peerMaxData
    }

    /// True when the stream's STREAM frames go alone in their packets (`fastPathEncoding`: our
    /// unidirectional streams).
    package func sendsAlone(_ id: UInt64) -> Bool {
        configuration.fastPathEncoding && !StreamID.isBidirectional(id) && StreamID.initiator(id) == role
    }

    /// Writes the stream's next STREAM frame (or a flow-control signal); returns true when a STREAM
    /// frame was written. `solo` encodes the stream ID on a fixed 4 (or 8) bytes.
    @discardableResult
    private func writeStreamData(_ s: SendStream, plan: inout PacketPlan, limit: Int, solo: Bool) -> Bool {
        let room = limit - plan.payload.count
        let offset = s.buffer.nextOffset ?? s.buffer.endOffset
        let idLength = solo ? StreamFrame.fixedStreamIDLength(s.id) : nil
        let overhead = StreamFrame.overhead(streamID: s.id, offset: offset, length: min(room, 16383), hasLength: true, streamIDLength: idLength)
        guard room > overhead else { return false }
        let connectionCredit = peerMaxData > sentData ? peerMaxData - sentData : 0
        let streamLimit = min(s.maxStreamData, s.buffer.highestSent + connectionCredit)
        let previousHighest = s.buffer.highestSent
        var chunkRange: Range<UInt64>?
        var externalData: [UInt8]?
        if s.isExternal {
            // External stream: the bytes come from the data source when the packet is built.
            if let range = s.buffer.nextRange(maxLength: min(room - overhead, 16383), limit: streamLimit) {
                let length = Int(range.upperBound - range.lowerBound)
                guard let data = streamDataSource?.streamData(streamID: s.id, offset: range.lowerBound, length: length), data.count == length else {
                    sentData += s.buffer.highestSent - previousHighest  // within the reset's final size
                    resetSendStream(s, errorCode: unavailableResetCode)
                    return false
                }
                chunkRange = range
                externalData = data
            }
        } else {
            chunkRange = s.buffer.nextRange(maxLength: min(room - overhead, 16383), limit: streamLimit)
        }
        if let range = chunkRange {
            let length = Int(range.upperBound - range.lowerBound)
            let newBytes = s.buffer.highestSent - previousHighest
            sentData += newBytes
            if newBytes < UInt64(length) { statsStorage.streamBytesRetransmitted += UInt64(length) - newBytes }
            let fin = s.finPending && range.upperBound == s.buffer.endOffset
            if fin {
                s.finPending = false
                s.finSent = true
                s.state = .dataSent
            }
            // The bytes go from the send buffer straight into the payload (no intermediate array).
            StreamFrame.encodeHeader(streamID: s.id, offset: range.lowerBound, length: length, fin: fin,
                                     streamIDLength: idLength ?? QUICVarintLength(s.id), to: &plan.payload)
            if let externalData {
                plan.payload.writeBytes(externalData)
            } else {
                s.buffer.appendBytes(range, to: &plan.payload.bytes)
            }
            plan.frames.append(.stream(streamID: s.id, offset: range.lowerBound, length: length, fin: fin))
            plan.ackEliciting = true
            return true
        } else if s.finPending && !s.buffer.hasPending {
            s.finPending = false
            s.finSent = true
            s.state = .dataSent
            let frame = StreamFrame(streamID: s.id, offset: s.buffer.endOffset, data: [], fin: true)
            frame.encode(to: &plan.payload, streamIDLength: idLength ?? QUICVarintLength(s.id))
            plan.frames.append(.stream(streamID: s.id, offset: s.buffer.endOffset, length: 0, fin: true))
            plan.ackEliciting = true
            return true
        } else if let next = s.buffer.nextOffset, next >= s.buffer.highestSent {
            // Blocked by flow control: say so once per limit.
            if next >= s.maxStreamData, s.blockedAt != s.maxStreamData {
                s.blockedAt = s.maxStreamData
                let f = Frame.streamDataBlocked(streamID: s.id, limit: s.maxStreamData)
                if plan.payload.count + 24 <= limit {
                    f.encode(to: &plan.payload)
                    plan.frames.append(.streamDataBlocked(streamID: s.id))
                    plan.ackEliciting = true
                }
            } else if sentData >= peerMaxData, dataBlockedAt != peerMaxData {
                dataBlockedAt = peerMaxData
                dataBlockedPending = true
            }
        }
        return false
    }

    /// Protects a planned packet and records it with loss recovery.
    private func seal(_ plan: PacketPlan, now: QUICTime) -> [UInt8] {
        let level = plan.space.sendLevel
        guard let keys = writeKeys[level.rawValue] else { return [] }
        var w = ByteWriter(capacity: plan.size)
        let pnBits = UInt8(plan.packetNumberLength - 1)
        switch plan.space {
        case .initial, .handshake:
            let typeBits: UInt8 = plan.space == .initial ? 0 : 2
            w.writeUInt8(0xc0 | typeBits << 4 | pnBits)
            w.writeUInt32(QUICVersion.v1)
            w.writeUInt8(UInt8(peerConnectionID.count)); w.writeBytes(peerConnectionID.bytes)
            w.writeUInt8(UInt8(localConnectionID.count)); w.writeBytes(localConnectionID.bytes)
            if plan.space == .initial {
                w.writeVarint(UInt64(token.count)); w.writeBytes(token)
            }
            w.writeVarint(UInt64(plan.packetNumberLength + plan.payload.count + plan.tagLength), length: 2)
        case .application:
            w.writeUInt8(0x40 | (keyPhase ? 0x04 : 0) | pnBits)
            w.writeBytes(peerConnectionID.bytes)
        }
        let pnOffset = w.count
        w.writeBigEndian(PacketNumberCoding.truncate(plan.packetNumber, length: plan.packetNumberLength), count: plan.packetNumberLength)
        var packet = w.bytes
        if plan.space == .application && cleartext {
            // Cleartext 1-RTT: identity header protection and AEAD, no tag.
            packet += plan.payload.bytes
        } else {
            keys.sealPacket(&packet, payload: plan.payload.bytes, packetNumber: plan.packetNumber,
                            packetNumberOffset: pnOffset, packetNumberLength: plan.packetNumberLength)
        }

        let record = SentPacket(packetNumber: plan.packetNumber, space: plan.space, timeSent: now, sentBytes: packet.count,
                                ackEliciting: plan.ackEliciting, inFlight: plan.ackEliciting || plan.padded, frames: plan.frames)
        recovery.onPacketSent(record, now: now)
        tracer?.packetSent(record, now: now)
        statsStorage.packetsSent += 1
        if plan.ackEliciting && plan.space == .application { pacer.onSent(bytes: packet.count) }
        if plan.ackEliciting {
            if !ackElicitingSentSinceReceive { resetIdleTimer(now: now) }
            ackElicitingSentSinceReceive = true
        }
        if role == .client && plan.space == .handshake && !sentHandshakePacket {
            sentHandshakePacket = true
            discardKeys(.initial, now: now)
        }
        return packet
    }

    // MARK: Closing

    private func closeDatagram(now: QUICTime) -> [UInt8]? {
        guard closePending, let frame = closeFrame else { return nil }
        closePending = false
        var datagram: [UInt8] = []
        for space in PacketNumberSpace.allCases {
            let level = space.sendLevel
            guard writeKeys[level.rawValue] != nil, !spaces[space.rawValue].discarded else { continue }
            var f = frame
            if space != .application && f.isApplication {
                // Application closes before 1-RTT become APPLICATION_ERROR (RFC 9000 §10.2.3).
                f = ConnectionCloseFrame(isApplication: false, errorCode: TransportErrorCode.applicationError.rawValue, frameType: 0, reason: [])
            }
            var pn = spaces[space.rawValue].nextPacketNumber
            spaces[space.rawValue].nextPacketNumber += 1
            if let allocator = packetNumberAllocator {
                pn = allocator(space)
                spaces[space.rawValue].nextPacketNumber = max(spaces[space.rawValue].nextPacketNumber, pn + 1)
            }
            var plan = PacketPlan(space: space, packetNumber: pn, packetNumberLength: 4, headerLength: headerLength(space: space),
                                  payload: ByteWriter(), frames: [.connectionClose], ackEliciting: false, includesAck: false)
            plan.tagLength = tagLength(space)
            Frame.connectionClose(f).encode(to: &plan.payload)
            if space == .initial && role == .client {
                let pad = 1200 - plan.size
                if pad > 0 { for _ in 0..<pad { plan.payload.writeUInt8(0) } }
            }
            datagram += seal(plan, now: now)
        }
        bytesSent += datagram.count
        return datagram.isEmpty ? nil : datagram
    }

    // MARK: Acknowledgement and loss of frames

    package func onPacketAcked(_ packet: SentPacket) {
        for frame in packet.frames {
            switch frame {
            case .stream(let id, let offset, let length, let fin):
                onStreamDataAcked(streamID: id, offset: offset, length: length, fin: fin)
            case .crypto(let space, let offset, let length):
                spaces[space.rawValue].cryptoSend.onAcked(offset..<offset + UInt64(length))
            case .ack(let largest):
                // The peer has our ACK: stop acknowledging what it covered (RFC 9000 §13.2.4).
                var st = spaces[packet.space.rawValue]
                if largest + 1 > st.ignoreBelow, largest < (st.largestReceived ?? 0) {
                    st.ignoreBelow = largest + 1
                    st.received.removeAll(below: largest + 1)
                    spaces[packet.space.rawValue] = st
                }
            case .resetStream(let id):
                if let s = sendStreams[id] {
                    s.resetAcked = true
                    s.state = .resetRecvd
                    reportExternalStreamCompleted(s)
                    maybeForgetStream(id)
                }
            default:
                break
            }
        }
    }

    /// A STREAM frame's range (and FIN) reached the peer.
    package func onStreamDataAcked(streamID id: UInt64, offset: UInt64, length: Int, fin: Bool) {
        guard let s = sendStreams[id] else { return }
        s.onAcked(offset: offset, length: length, fin: fin)
        if s.wantsWritable && s.writableBytes > 0 {
            s.wantsWritable = false
            emit(.streamWritable(streamID: id))
        }
        if s.isTerminal {
            reportExternalStreamCompleted(s)
            maybeForgetStream(id)
        }
    }

    package func onPacketLost(_ packet: SentPacket) {
        for frame in packet.frames { requeue(frame) }
    }

    /// Queues again whatever a lost (or probed) frame carried, with current values.
    package func requeue(_ frame: SentFrame) {
        switch frame {
        case .stream(let id, let offset, let length, let fin):
            guard let s = sendStreams[id], s.reset == nil else { return }
            s.onLost(offset: offset, length: length, fin: fin)
            scheduleSend(id)
        case .crypto(let space, let offset, let length):
            guard !spaces[space.rawValue].discarded else { return }
            spaces[space.rawValue].cryptoSend.onLost(offset..<offset + UInt64(length))
        case .resetStream(let id):
            if let s = sendStreams[id], !s.resetAcked { s.resetPending = true; scheduleSend(id) }
        case .stopSending(let id):
            if let r = receiveStreams[id], r.stopSendingCode != nil, !r.allDataReceived, r.reset == nil { r.stopSendingPending = true; scheduleSend(id) }
        case .maxData:
            maxDataPending = true
        case .maxStreamData(let id):
            if let r = receiveStreams[id], r.finalSize == nil { r.maxStreamDataPending = true; scheduleSend(id) }
        case .maxStreams(let bidi):
            maxStreamsPending[bidi ? 1 : 0] = true
        case .handshakeDone:
            handshakeDonePending = true
        case .ackFrequency(let seq):
            // Only the latest request matters; an older one lost is superseded.
            if let sent = ackFrequencySent, sent.sequenceNumber == seq, ackFrequencyPending == nil { ackFrequencyPending = sent }
        case .retireConnectionID(let seq):
            retireConnectionIDsPending.append(seq)
        case .newConnectionID(let seq):
            if activeLocalConnectionIDs[seq] != nil && !newConnectionIDsPending.contains(seq) { newConnectionIDsPending.append(seq) }
        case .streamsBlocked(let bidi):
            if localStreamsOpened[bidi ? 1 : 0] >= peerMaxStreams[bidi ? 1 : 0] { streamsBlockedPending[bidi ? 1 : 0] = true }
        case .pathChallenge:
            if let challenge = outstandingPathChallenge, !pathChallengesPending.contains(challenge) { pathChallengesPending.append(challenge) }
        case .dataBlocked, .streamDataBlocked, .ack, .ping, .padding, .pathResponse, .datagram,
             .connectionClose, .newToken, .immediateAck:
            break
        }
    }

    /// Registers a packet someone else sent on this connection (the kernel fast path), so its
    /// acknowledgement or loss is handled like any other. The packet number must come from
    /// `packetNumberAllocator`. STREAM frames of external streams (created on first sight when the
    /// ID is one of ours never used before) mark their range sent: it counts toward flow control,
    /// is acknowledged, or re-sent from `streamDataSource` when lost.
    /// Registers a batch of packets someone else sent, each with one STREAM frame (what the kernel
    /// fast path sends), as `registerExternallySentPacket` would one by one: contiguous ranges of a
    /// stream are registered as one, and the congestion state is reported once for the batch.
    package func registerExternallySentPackets(_ packets: [ExternalPacket], now: QUICTime) {
        guard !packets.isEmpty else { return }
        var run: (id: UInt64, range: Range<UInt64>, fin: Bool)?
        var highest: UInt64 = 0
        for p in packets {
            let range = p.offset..<p.offset + UInt64(p.length)
            highest = max(highest, p.packetNumber)
            if let r = run, r.id == p.streamID, !r.fin, r.range.upperBound == range.lowerBound {
                run = (r.id, r.range.lowerBound..<range.upperBound, p.fin)
                continue
            }
            if let r = run { registerExternallySentStreamData(streamID: r.id, range: r.range, fin: r.fin) }
            run = (p.streamID, range, p.fin)
        }
        if let r = run { registerExternallySentStreamData(streamID: r.id, range: r.range, fin: r.fin) }
        let app = PacketNumberSpace.application.rawValue
        spaces[app].nextPacketNumber = max(spaces[app].nextPacketNumber, highest + 1)
        for p in packets {
            // Kept compact until an ACK needs it (`ExternalPacket`), unless qlog wants the record or the
            // peer's ACK for it was read before this registration (it is acknowledged already).
            let acked = acknowledgedPacketNumbers.contains(p.packetNumber)
            guard acked || tracer != nil else {
                recovery.onExternalPacketSent(p, now: now)
                continue
            }
            let record = p.sentPacket
            tracer?.packetSent(record, now: now)  // logged when registered (the kernel sent it at timeSent)
            if acked { onPacketAcked(record) } else { recovery.onPacketSent(record, now: now) }
        }
        reportCongestionIfChanged()
    }

    package func registerExternallySentPacket(packetNumber: UInt64, sentBytes: Int, timeSent: QUICTime, frames: [SentFrame], now: QUICTime) {
        if frames.count == 1, case .stream(let id, let offset, let length, let fin) = frames[0] {
            registerExternallySentPackets([ExternalPacket(packetNumber: packetNumber, timeSent: timeSent, sentBytes: sentBytes, streamID: id,
                                                          offset: offset, length: length, fin: fin)], now: now)
            return
        }
        for case .stream(let id, let offset, let length, let fin) in frames {
            registerExternallySentStreamData(streamID: id, range: offset..<offset + UInt64(length), fin: fin)
        }
        spaces[PacketNumberSpace.application.rawValue].nextPacketNumber = max(spaces[PacketNumberSpace.application.rawValue].nextPacketNumber, packetNumber + 1)
        let record = SentPacket(packetNumber: packetNumber, space: .application, timeSent: timeSent, sentBytes: sentBytes,
                                ackEliciting: true, inFlight: true, frames: frames)
        tracer?.packetSent(record, now: now)  // logged when registered (the kernel sent it at timeSent)
        if acknowledgedPacketNumbers.contains(packetNumber) {
            // The peer's ACK for it was read before this registration: it is already acknowledged.
            onPacketAcked(record)
            return
        }
        recovery.onPacketSent(record, now: now)
        reportCongestionIfChanged()
    }
}
