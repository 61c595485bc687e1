import Wire

extension Connection {
    /// Processes one UDP datagram from the peer (possibly several coalesced packets).
    /// Undecryptable or unparseable packets are dropped; protocol violations close the connection.
    public func handle(datagram: [UInt8], from address: QUICPeerAddress? = nil, now: QUICTime) {
        switch state {
        case .closed, .draining: return
        default: break
        }
        defer { reportCongestionIfChanged() }
        bytesReceived += datagram.count
        statsStorage.bytesReceived += datagram.count
        // A datagram that lifts the anti-amplification limit re-arms the PTO timer the limit had
        // disarmed (RFC 9002 §A.6), else a server whose flight was lost waits for the client's PTO.
        if role == .server, recovery.amplificationBlocked, 3 * bytesReceived - bytesSent >= 64 {
            recovery.amplificationBlocked = false
            recovery.setLossDetectionTimer(now: now)
        }
        process(datagram: datagram, from: address, now: now)
        // Packets that arrived before their keys (reordering) get a second chance once keys exist.
        if !undecryptablePackets.isEmpty {
            let waiting = undecryptablePackets
            undecryptablePackets = []
            for (level, packet) in waiting {
                if readKeys[level.rawValue] != nil {
                    process(datagram: packet, from: address, now: now)
                } else if !spaces[PacketNumberSpace(level).rawValue].discarded {
                    undecryptablePackets.append((level, packet))
                }
            }
        }
    }

    private func process(datagram: [UInt8], from address: QUICPeerAddress?, now: QUICTime) {
        var offset = 0
        var firstDCID: QUICConnectionID?
        while offset < datagram.count {
            let header: PacketHeader
            do {
                header = try PacketHeader.parse(datagram: datagram, at: offset, shortHeaderConnectionIDLength: localConnectionID.count)
            } catch {
                statsStorage.packetsDropped += 1
                break
            }
            // All packets of a datagram carry the same Destination Connection ID (RFC 9000 §12.2).
            if let first = firstDCID, header.destinationConnectionID != first { break }
            firstDCID = header.destinationConnectionID
            offset = max(header.packetEnd, offset + 1)
            // Cleartext 1-RTT packets have no integrity check to fail first: look for a stateless
            // reset before trying to parse frames out of one.
            if header.type == .oneRTT, cleartext, datagram.count >= 21,
               let token = peerTransportParameters?.statelessResetToken, Array(datagram.suffix(16)) == token {
                enterClosing(.statelessReset, now: now)
                break
            }
            let dropped = statsStorage.packetsDropped
            handlePacket(header, datagram: datagram, from: address, now: now)
            if statsStorage.packetsDropped > dropped { tracer?.packetDropped(size: header.packetEnd - header.packetStart, now: now) }
            // A short-header packet we could not process may be a stateless reset (RFC 9000 §10.3.1).
            if header.type == .oneRTT, statsStorage.packetsDropped > dropped, datagram.count >= 21,
               let token = peerTransportParameters?.statelessResetToken, Array(datagram.suffix(16)) == token {
                enterClosing(.statelessReset, now: now)
            }
            if isClosing { break }
        }
    }

    private func handlePacket(_ header: PacketHeader, datagram: [UInt8], from address: QUICPeerAddress?, now: QUICTime) {
        switch header.type {
        case .versionNegotiation:
            // Only before any other packet from the server, and only when it lists no version we speak.
            if role == .client && !receivedAnyPacket && header.destinationConnectionID == localConnectionID
                && !header.supportedVersions.contains(QUICVersion.v1) {
                enterClosing(.versionNegotiationFailed, now: now)
            }
            return
        case .retry:
            handleRetry(header, datagram: datagram, now: now)
            return
        case .zeroRTT:
            statsStorage.packetsDropped += 1  // 0-RTT is not supported yet
            return
        default:
            break
        }
        guard header.version == QUICVersion.v1, let level = header.type.encryptionLevel else {
            statsStorage.packetsDropped += 1
            return
        }
        guard let keys = readKeys[level.rawValue] else {
            // Keys not there yet (e.g. a Handshake packet overtook the Initial): keep a few packets.
            if level > .initial, !spaces[PacketNumberSpace(level).rawValue].discarded, undecryptablePackets.count < 8 {
                undecryptablePackets.append((level, Array(datagram[header.packetStart..<header.packetEnd])))
            } else {
                statsStorage.packetsDropped += 1
            }
            return
        }
        let space = PacketNumberSpace(level)
        guard !spaces[space.rawValue].discarded else { return }
        if role == .server, header.type == .initial, header.destinationConnectionID != originalDestinationConnectionID,
           header.destinationConnectionID != localConnectionID, retrySourceConnectionID == nil || header.destinationConnectionID != retrySourceConnectionID! {
            statsStorage.packetsDropped += 1
            return
        }

        var packet = Array(datagram[header.packetStart..<header.packetEnd])
        let pnOffset = header.packetNumberOffset - header.packetStart
        let isCleartext = level == .oneRTT && cleartext
        let pnLength: Int
        if isCleartext {
            // Identity header protection: the first byte and packet number are as sent.
            pnLength = Int(packet[0] & 0x03) + 1
            guard packet.count > pnOffset + pnLength else {
                statsStorage.packetsDropped += 1
                return
            }
        } else {
            guard packet.count >= pnOffset + 4 + 16 else {
                statsStorage.packetsDropped += 1
                return
            }
            do { pnLength = try HeaderProtection.remove(packet: &packet, packetNumberOffset: pnOffset, protection: keys) } catch {
                statsStorage.packetsDropped += 1
                return
            }
        }
        var truncated: UInt64 = 0
        for i in 0..<pnLength { truncated = truncated << 8 | UInt64(packet[pnOffset + i]) }
        let pn = PacketNumberCoding.decode(largest: spaces[space.rawValue].largestReceived, truncated: truncated, length: pnLength)
        let headerEnd = pnOffset + pnLength

        // 1-RTT key update (RFC 9001 §6): a flipped key phase bit means either a late packet of
        // the previous phase or the peer's next keys.
        let ciphertext = packet[headerEnd...]
        let headerBytes = packet[0..<headerEnd]
        var payload: [UInt8]?
        if isCleartext {
            // No AEAD and no tag: the frames run to the end of the packet. Key phase is ignored.
            payload = Array(ciphertext)
        } else if level == .oneRTT && (packet[0] & 0x04 != 0) != keyPhase {
            if let previous = previousReadKeys {
                payload = try? previous.open(ciphertext: ciphertext, packetNumber: pn, header: headerBytes)
            }
            if payload == nil {
                if nextReadKeys == nil { nextReadKeys = keys.nextKeyPhase() }
                if let next = nextReadKeys, let opened = try? next.open(ciphertext: ciphertext, packetNumber: pn, header: headerBytes) {
                    payload = opened
                    rotateKeys(peerInitiated: true)
                }
            }
        } else {
            payload = try? keys.open(ciphertext: ciphertext, packetNumber: pn, header: headerBytes)
        }
        guard let payload else {
            statsStorage.packetsDropped += 1
            return
        }

        // Reserved bits must be zero once protection is removed (RFC 9000 §17.2, §17.3.1).
        let reserved = header.isLongHeader ? packet[0] & 0x0c : packet[0] & 0x18
        if reserved != 0 {
            fail(QUICError(.protocolViolation, "reserved header bits set"), now: now)
            return
        }
        var spaceState = spaces[space.rawValue]
        if pn < spaceState.ignoreBelow || spaceState.received.contains(pn) {
            statsStorage.packetsDropped += 1
            return
        }
        statsStorage.packetsReceived += 1

        if case .closing = state {
            // Answer with CONNECTION_CLOSE again, nothing else.
            closePending = true
            return
        }

        receivedAnyPacket = true
        if role == .client, header.type == .initial, !receivedServerInitial {
            receivedServerInitial = true
            if peerConnectionID != header.sourceConnectionID {
                peerConnectionID = header.sourceConnectionID
                observer?.connectionPeerConnectionIDChanged(self, peerConnectionID)
            }
        }
        if role == .server, level == .handshake {
            addressValidated = true
            recovery.amplificationBlocked = false
            discardKeys(.initial, now: now)
        }
        resetIdleTimer(now: now)
        ackElicitingSentSinceReceive = false

        // Frames.
        let frames: [Frame]
        do { frames = try Frame.decodeAll(payload) } catch {
            fail(error, now: now)
            return
        }
        tracer?.packetReceived(space: space, packetNumber: pn, size: header.packetEnd - header.packetStart, frames: frames, now: now)
        guard !frames.isEmpty else {
            fail(QUICError(.protocolViolation, "packet without frames"), now: now)
            return
        }
        var ackEliciting = false
        for frame in frames {
            do {
                try FrameLegality.check(frame, at: level)
                try handleFrame(frame, level: level, now: now)
            } catch {
                fail(error, now: now)
                return
            }
            if frame.isAckEliciting { ackEliciting = true }
            if isClosing { break }
        }
        if spaces[space.rawValue].discarded { return }

        // Record receipt and schedule the ACK (RFC 9000 §13.2).
        spaceState = spaces[space.rawValue]
        let outOfOrder = spaceState.largestReceived.map { pn < $0 || pn > $0 + 1 } ?? false
        let wasLargest = spaceState.largestReceived
        spaceState.received.insert(pn)
        spaceState.received.keepLast(64)
        if pn >= (spaceState.largestReceived ?? 0) || spaceState.largestReceived == nil {
            spaceState.largestReceived = pn
            spaceState.largestReceivedTime = now
        }
        if ackEliciting {
            spaceState.ackElicitingSinceAck += 1
            spaceState.ackPending = true
            let immediate: Bool
            var delay = configuration.maxAckDelay
            if space != .application {
                immediate = true
            } else if let af = peerAckFrequency {
                // draft-ietf-quic-ack-frequency §6: the peer's threshold and delay; reordering only
                // past its threshold (0: never), an IMMEDIATE_ACK at once.
                delay = .microseconds(af.requestedMaxAckDelay)
                immediate = immediateAckRequested || UInt64(spaceState.ackElicitingSinceAck) > af.ackElicitingThreshold
                    || (af.reorderingThreshold > 0 && spaceState.reorderingExceeds(af.reorderingThreshold, packetNumber: pn, wasLargest: wasLargest))
            } else {
                immediate = immediateAckRequested || outOfOrder || spaceState.ackElicitingSinceAck >= 2
            }
            if immediate {
                spaceState.ackDeadline = now
            } else if spaceState.ackDeadline == nil {
                spaceState.ackDeadline = now + delay
            }
        }
        if space == .application { immediateAckRequested = false }
        spaces[space.rawValue] = spaceState

        // The peer's address changed (e.g. NAT rebinding): follow the newest 1-RTT packet and
        // validate the new path (RFC 9000 §9). Only the server follows; clients do not migrate here.
        if role == .server, level == .oneRTT, handshakeConfirmed, let address, address != peerAddress,
           spaceState.largestReceived == pn, frames.contains(where: { !$0.isProbing }) {
            peerAddress = address
            migrations += 1
            let challenge = rng.bytes(8)
            pathChallengesPending.append(challenge)
            outstandingPathChallenge = challenge
        }
    }

    /// Moves to the next 1-RTT key phase (RFC 9001 §6), read and write keys together.
    package func rotateKeys(peerInitiated: Bool) {
        guard let read = readKeys[EncryptionLevel.oneRTT.rawValue], let write = writeKeys[EncryptionLevel.oneRTT.rawValue] else { return }
        previousReadKeys = read
        readKeys[EncryptionLevel.oneRTT.rawValue] = nextReadKeys ?? read.nextKeyPhase()
        writeKeys[EncryptionLevel.oneRTT.rawValue] = write.nextKeyPhase()
        nextReadKeys = nil
        keyPhaseFirstPacket = spaces[PacketNumberSpace.application.rawValue].nextPacketNumber
        keyPhase.toggle()
        keyUpdates += 1
    }

    private func handleRetry(_ header: PacketHeader, datagram: [UInt8], now: QUICTime) {
        guard role == .client, !retried, !receivedServerInitial, header.destinationConnectionID == localConnectionID,
              !header.token.isEmpty else { return }
        let body = RetryPacket.bytesWithoutTag(datagram, header: header)
        let expected = RetryIntegrity.tag(retryPacketWithoutTag: body, originalDestinationConnectionID: originalDestinationConnectionID.bytes)
        guard expected == header.retryIntegrityTag else {
            statsStorage.packetsDropped += 1
            return
        }
        retried = true
        retrySourceConnectionID = header.sourceConnectionID
        peerConnectionID = header.sourceConnectionID
        observer?.connectionPeerConnectionIDChanged(self, peerConnectionID)
        token = header.token
        let keys = InitialSecrets.protections(destinationConnectionID: header.sourceConnectionID.bytes)
        readKeys[EncryptionLevel.initial.rawValue] = keys.server
        writeKeys[EncryptionLevel.initial.rawValue] = keys.client
        _ = recovery.resetForRetry(now: now)
        spaces[PacketNumberSpace.initial.rawValue].cryptoSend.requeueAllUnacked()
    }

    // MARK: Frames

    package func handleFrame(_ frame: Frame, level: EncryptionLevel, now: QUICTime) throws(QUICError) {
        let space = PacketNumberSpace(level)
        switch frame {
        case .padding, .ping:
            break
        case .ack(let ack):
            try onAckFrame(ack, space: space, now: now)
        case .crypto(let offset, let data):
            try onCryptoFrame(offset: offset, data: data, level: level, now: now)
        case .newToken(let token):
            guard role == .client else { throw QUICError(.protocolViolation, frameType: FrameType.newToken, "NEW_TOKEN from a client") }
            receivedTokens.append(token)
        case .stream(let f):
            try onStreamFrame(f)
        case .resetStream(let id, let code, let finalSize):
            try onResetStream(id: id, errorCode: code, finalSize: finalSize)
        case .stopSending(let id, let code):
            try onStopSending(id: id, errorCode: code)
        case .maxData(let maximum):
            if maximum > peerMaxData {
                peerMaxData = maximum
                for (id, s) in sendStreams where s.hasSendableData { scheduleSend(id) }
                observer?.connectionPeerMaxDataChanged(self, maxData: maximum)
            }
        case .maxStreamData(let id, let maximum):
            guard let stream = try sendStream(for: id, frameType: FrameType.maxStreamData) else { return }
            if maximum > stream.maxStreamData {
                stream.maxStreamData = maximum
                if stream.hasSendableData { scheduleSend(id) }
                observer?.connectionPeerMaxStreamDataChanged(self, streamID: id, maxStreamData: maximum)
            }
        case .maxStreams(let bidi, let maximum):
            let i = bidi ? 1 : 0
            if maximum > peerMaxStreams[i] {
                let wasBlocked = localStreamsOpened[i] >= peerMaxStreams[i]
                peerMaxStreams[i] = maximum
                if wasBlocked { emit(.streamsAvailable(bidirectional: bidi)) }
                observer?.connectionPeerMaxStreamsChanged(self, bidirectional: bidi, maxStreams: maximum)
            }
        case .dataBlocked, .streamsBlocked:
            break
        case .streamDataBlocked(let id, _):
            _ = try receiveStream(for: id, frameType: FrameType.streamDataBlocked)
        case .newConnectionID(let f):
            try onNewConnectionID(f)
        case .retireConnectionID(let sequence):
            guard sequence < nextLocalConnectionIDSequence else {
                throw QUICError(.protocolViolation, frameType: FrameType.retireConnectionID, "retiring never-issued connection ID \(sequence)")
            }
            if let retired = activeLocalConnectionIDs.removeValue(forKey: sequence) {
                localConnectionIDTokens[sequence] = nil
                observer?.connectionRetiredLocalConnectionID(self, retired)
                newConnectionIDsPending.removeAll { $0 == sequence }
                if handshakeConfirmed { issueConnectionIDs() }
            }
        case .pathChallenge(let data):
            if pathResponses.count < 4 { pathResponses.append(data) }
        case .pathResponse(let data):
            if data == outstandingPathChallenge {
                outstandingPathChallenge = nil
                pathValidations += 1
                observer?.connectionPathValidated(self, peerAddress)
            }
        case .connectionClose(let c):
            let reason = String(decoding: c.reason, as: UTF8.self)
            if c.isApplication {
                enterClosing(.peerApplicationClose(errorCode: c.errorCode, reason: reason), now: now)
            } else {
                enterClosing(.peerTransportError(QUICError(TransportErrorCode(rawValue: c.errorCode), frameType: c.frameType, reason)), now: now)
            }
        case .ackFrequency(let f):
            // Only a peer we offered min_ack_delay may send it, and not below that (draft §4).
            guard let minimum = configuration.minAckDelay else {
                throw QUICError(.protocolViolation, frameType: FrameType.ackFrequency, "ACK_FREQUENCY without min_ack_delay")
            }
            guard f.requestedMaxAckDelay >= minimum.microseconds else {
                throw QUICError(.protocolViolation, frameType: FrameType.ackFrequency, "requested max_ack_delay below min_ack_delay")
            }
            if let current = peerAckFrequency, f.sequenceNumber <= current.sequenceNumber { break }
            peerAckFrequency = f
        case .immediateAck:
            immediateAckRequested = true
        case .handshakeDone:
            guard role == .client else { throw QUICError(.protocolViolation, frameType: FrameType.handshakeDone, "HANDSHAKE_DONE from a client") }
            confirmHandshake(now: now)
        case .datagram(let data, _):
            guard let max = configuration.maxDatagramFrameSize else {
                throw QUICError(.protocolViolation, frameType: frame.typeValue, "DATAGRAM not negotiated")
            }
            guard UInt64(data.count) <= max else { throw QUICError(.protocolViolation, frameType: frame.typeValue, "DATAGRAM too large") }
            emit(.datagramReceived(data))
        }
    }

    private func onAckFrame(_ ack: AckFrame, space: PacketNumberSpace, now: QUICTime) throws(QUICError) {
        if space == .application { ackFramesReceived += 1 }
        // With a shared allocator the kernel may have sent (and the peer acknowledged) a packet whose
        // registration has not arrived yet: unknown packet numbers are then ignored, not a violation.
        if ack.largestAcknowledged >= spaces[space.rawValue].nextPacketNumber && (packetNumberAllocator == nil || space != .application) {
            throw QUICError(.protocolViolation, frameType: FrameType.ack, "ACK of a packet never sent")
        }
        let exponent = peerTransportParameters?.ackDelayExponent ?? 3
        let (delayMicros, overflow) = ack.ackDelay.multipliedReportingOverflow(by: 1 << min(exponent, 20))
        let delay = QUICDuration.microseconds(overflow ? UInt64.max / 1000 : delayMicros)
        if packetNumberAllocator != nil && space == .application {
            for range in ack.ranges { acknowledgedPacketNumbers.insert(range.lowerBound..<range.upperBound + 1) }
            acknowledgedPacketNumbers.keepLast(64)
        }
        let result = recovery.onAckReceived(ack, ackDelay: delay, space: space, now: now)
        if !result.lost.isEmpty { tracer?.packetsLost(result.lost, now: now) }
        tracer?.metricsUpdated(recovery, now: now)
        if role == .client && space == .handshake && !result.newlyAcked.isEmpty {
            recovery.peerCompletedAddressValidation = true
        }
        for p in result.newlyAcked { onPacketAcked(p) }
        for p in result.ackedExternal { onStreamDataAcked(streamID: p.streamID, offset: p.offset, length: p.length, fin: p.fin) }
        for p in result.lost { onPacketLost(p) }
        if space == .application && configuration.ackFrequency != nil { updateAckFrequencyRequest() }
    }

    private func onCryptoFrame(offset: UInt64, data: [UInt8], level: EncryptionLevel, now: QUICTime) throws(QUICError) {
        let space = PacketNumberSpace(level)
        var buffer = spaces[space.rawValue].cryptoReceive
        if offset + UInt64(data.count) > buffer.readOffset + 65536 {
            throw QUICError(.cryptoBufferExceeded, frameType: FrameType.crypto, "too much out-of-order CRYPTO data")
        }
        buffer.insert(offset: offset, data: data)
        let bytes = buffer.read()
        spaces[space.rawValue].cryptoReceive = buffer
        guard !bytes.isEmpty else { return }
        if let size = spaces[space.rawValue].handshakeFraming.consume(bytes, limit: configuration.maxHandshakeMessageSize) {
            throw QUICError(.cryptoBufferExceeded, frameType: FrameType.crypto,
                            "a TLS handshake message of \(size) bytes (we buffer at most \(configuration.maxHandshakeMessageSize))")
        }
        do {
            try tls.handle(handshakeData: bytes, at: level == .zeroRTT ? .oneRTT : level)
        } catch {
            throw QUICError(.crypto(alert: error.alert), frameType: FrameType.crypto, error.reason)
        }
        processTLSEvents(now: now)
    }

    private func onNewConnectionID(_ f: NewConnectionIDFrame) throws(QUICError) {
        if peerConnectionID.count == 0 {
            throw QUICError(.protocolViolation, frameType: FrameType.newConnectionID, "NEW_CONNECTION_ID with zero-length connection IDs")
        }
        if let existing = peerConnectionIDs[f.sequenceNumber] {
            guard existing == f else { throw QUICError(.protocolViolation, frameType: FrameType.newConnectionID, "sequence number reused") }
            return
        }
        if f.sequenceNumber < f.retirePriorTo || f.sequenceNumber < peerConnectionIDSequence {
            retireConnectionIDsPending.append(f.sequenceNumber)
            return
        }
        peerConnectionIDs[f.sequenceNumber] = f
        for seq in peerConnectionIDs.keys where seq < f.retirePriorTo {
            peerConnectionIDs[seq] = nil
            retireConnectionIDsPending.append(seq)
        }
        if peerConnectionIDSequence < f.retirePriorTo, let next = peerConnectionIDs.min(by: { $0.key < $1.key }) {
            retireConnectionIDsPending.append(peerConnectionIDSequence)
            peerConnectionIDSequence = next.key
            peerConnectionID = next.value.connectionID
            peerConnectionIDs[next.key] = nil
            observer?.connectionPeerConnectionIDChanged(self, peerConnectionID)
        }
        if UInt64(peerConnectionIDs.count + 1) > localTransportParameters.activeConnectionIDLimit {
            throw QUICError(.connectionIDLimitError, frameType: FrameType.newConnectionID, "too many connection IDs")
        }
    }
}
