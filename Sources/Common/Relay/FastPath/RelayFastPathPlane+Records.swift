import CFastPathABI
import FastPath
import MoQT
import QUIC
import QUICIO

extension RelayFastPathPlane {
    /// Reads every pending ring-buffer record and every subscriber's sent log, and applies them to the
    /// subscriber connections: what the kernel sent is registered before anything depends on it (the
    /// end of an upstream stream, a reset, a join).
    func drain() { drainRecords(readingAllLogs: true) }

    /// Before a received datagram: the ring buffer's records, and the sent log of the subscriber the
    /// datagram comes from, so an ACK never covers a packet number not registered yet. Needs no system
    /// call when the ring is empty.
    func beforeDatagram(_ datagram: [UInt8]) {
        drainRecords()
        guard sentLog != nil, let d = downstream(forDatagram: datagram) else { return }
        if readLog(d, now: MonotonicClock.now()) > 0 {
            syncBudget(d)
            syncCredits(d)
        }
    }

    /// The fast-path subscriber a 1-RTT datagram is addressed to (by its destination connection ID).
    func downstream(forDatagram datagram: [UInt8]) -> FastPathDownstream? {
        guard let first = datagram.first, first & 0x80 == 0, datagram.count > localConnectionIDLength else { return nil }
        return downstreamsByCID[Array(datagram[1...localConnectionIDLength])]
    }

    /// Registers the packets the kernel sent to `d` that its sent log holds and user space has not read
    /// yet (`SentLogCursor`: every number up to the connection's next packet number but those user
    /// space took itself; an entry not written yet is looked for again at the next reads, for at most
    /// `logPendingNanoseconds`), and tells the kernel which entries it may reuse. Returns the packets
    /// registered.
    @discardableResult
    func readLog(_ d: FastPathDownstream, now: QUICTime) -> Int {
        guard let log = sentLog else { return 0 }
        let (id, generation) = (d.id, d.generation)
        let (entries, givenUp) = d.logCursor.read(upTo: shared.nextPacketNumber(id), now: now.nanoseconds,
                                                  pendingLimit: Self.logPendingNanoseconds) { pn in
            log.read(id, packetNumber: pn, connection: generation)
        }
        logNumbersSkipped += UInt64(givenUp)
        shared.setLogRead(id, d.logCursor.logRead)
        guard !entries.isEmpty else { return 0 }
        logEntriesRead += UInt64(entries.count)
        handleSent(entries.map { FastPathRecord(sent: $0, subscriberID: id) }, d, now: now)
        return entries.count
    }

    /// How long a packet number passed by the log cursor is looked for again (a kernel write takes
    /// microseconds; a number the kernel reported on the ring buffer or left unused never appears).
    static let logPendingNanoseconds: UInt64 = 20_000_000

    /// Reads every pending ring-buffer record and applies it to its subscriber connection, after reading
    /// that subscriber's sent log (so each subscriber sees what the kernel did in order); with
    /// `readingAllLogs`, every subscriber's log too.
    func drainRecords(readingAllLogs: Bool = false) {
        let records: [FastPathRecord]
        do { records = try reader.drain() } catch {
            failures += 1
            return
        }
        guard !records.isEmpty || (readingAllLogs && sentLog != nil) else { return }
        // SENT records are applied per subscriber in batches (consecutive records name different
        // subscribers: the kernel copies each upstream packet to every subscriber in turn); a batch
        // is applied before any other record of its subscriber, so each subscriber sees its records
        // in order.
        var touched: [UInt32: FastPathDownstream] = [:]
        var sent: [UInt32: [FastPathRecord]] = [:]
        let now = MonotonicClock.now()
        for r in records {
            guard let d = downstreamsByID[r.subscriberID], d.generation == r.connectionID else {
                recordsStale += 1
                continue
            }
            if touched[d.id] == nil, sentLog != nil { readLog(d, now: now) }
            touched[d.id] = d
            if r.kind == .sent {
                sent[d.id, default: []].append(r)
                continue
            }
            if let batch = sent.removeValue(forKey: d.id) { handleSent(batch, d, now: now) }
            switch r.kind {
            case .dropped?: handleDropped(r, d)
            case .handoff?: handleHandoff(r, d)
            case .sent?, nil: recordsStale += 1
            }
        }
        for (id, batch) in sent {
            guard let d = touched[id] else { continue }
            handleSent(batch, d, now: now)
        }
        if readingAllLogs, sentLog != nil {
            for d in downstreams.values where touched[d.id] == nil && readLog(d, now: now) > 0 { touched[d.id] = d }
        }
        for d in touched.values {
            syncBudget(d)
            syncCredits(d)
            d.connection.quic.withCoreOnLoop { _ in }  // send what the registrations queued (retransmissions, resets)
        }
    }

    /// The subscriber stream for the upstream stream a record names, created on first sight with the
    /// stream ID the kernel allocated.
    private func kernelStream(_ r: FastPathRecord, _ d: FastPathDownstream) -> FastPathSubscriberStream? {
        let key = FastPathStreamKey(upstreamID: r.upstreamID, streamID: r.upstreamStreamID)
        if let s = d.streams[key] {
            if s.streamID == nil { s.streamID = r.streamID; d.streamsByID[r.streamID] = s }
            return s
        }
        guard let up = upstreamsByID[r.upstreamID] else { return nil }
        let mirror = up.mirrors[r.upstreamStreamID] ?? {
            let m = UpstreamStreamMirror(upstreamID: up.id, streamID: r.upstreamStreamID, now: MonotonicClock.now().nanoseconds)
            up.mirrors[r.upstreamStreamID] = m
            return m
        }()
        // Which subscription: the track the kernel forwarded for, by the subscriber's alias in it.
        guard let sub = d.subscriptions.first(where: { trackID(of: $0.value.track) == r.trackID }) else { return nil }
        let s = FastPathSubscriberStream(mirror: mirror, requestID: sub.key, alias: sub.value.alias)
        s.streamID = r.streamID
        do {
            try d.core.createExternalStream(id: r.streamID)
        } catch {
            failures += 1
            log("moq-relay: fast path: cannot create stream \(r.streamID) for subscriber \(d.id): \(error)")
        }
        mirror.users += 1
        d.streams[key] = s
        d.streamsByID[r.streamID] = s
        d.connection.session.countStreamsOpenedElsewhere(forRequest: sub.key)
        return s
    }

    func trackID(of key: FastPathTrackKey) -> UInt32? { tracks[key]?.trackID }

    /// The upstream alias of the track a record names.
    func trackAlias(_ r: FastPathRecord) -> UInt64? {
        tracks.first { $0.key.upstreamID == r.upstreamID && $0.value.trackID == r.trackID }?.key.alias
    }

    /// Registers what the kernel sent to `d`, in record order, with the subscriber connection.
    private func handleSent(_ records: [FastPathRecord], _ d: FastPathDownstream, now: QUICTime) {
        var packets: [ExternalPacket] = []
        packets.reserveCapacity(records.count)
        var finished: [(UInt64, UInt64)] = []
        var last: (key: FastPathStreamKey, stream: FastPathSubscriberStream)?
        for r in records {
            recordsSent += 1
            let key = FastPathStreamKey(upstreamID: r.upstreamID, streamID: r.upstreamStreamID)
            let stream: FastPathSubscriberStream
            if let l = last, l.key == key, l.stream.streamID != nil {
                stream = l.stream
            } else {
                guard let s = kernelStream(r, d) else { continue }
                stream = s
                last = (key, s)
            }
            guard let id = stream.streamID else { continue }
            let end = r.offset + UInt64(r.length)
            let newBytes = end > stream.kernelEnd ? end - max(stream.kernelEnd, r.offset) : 0
            stream.addKernelRange(r.offset..<end)
            d.kernelNewBytes += newBytes
            d.budgetRefund += Int64(r.packetSize)
            d.kernelPackets += 1
            // The kernel stamped the send with bpf_ktime_get_ns (CLOCK_MONOTONIC), our clock too.
            let sentAt = QUICTime(nanoseconds: min(r.sendTimeNanoseconds, now.nanoseconds))
            packets.append(ExternalPacket(packetNumber: r.packetNumber, timeSent: sentAt, sentBytes: Int(r.packetSize), streamID: id,
                                          offset: r.offset, length: Int(r.length), fin: r.fin))
            if r.fin && !stream.finished {
                stream.finished = true
                finished.append((id, end))
            }
        }
        d.core.registerExternallySentPackets(packets, now: now)
        for (id, end) in finished { try? d.core.finishExternalStream(streamID: id, finalSize: end) }
    }

    private func handleDropped(_ r: FastPathRecord, _ d: FastPathDownstream) {
        recordsDropped += 1
        // The kernel drops per packet, so a large keyframe burst is the likeliest to hit the end of
        // the budget. The relay's policy drops the most important objects only when a subscriber is a
        // whole group behind: a dropped stream of the track's most important priority is taken over
        // by user space instead (congestion-controlled, under the 1 s delay bound), like a handoff.
        let key = FastPathTrackKey(upstreamID: r.upstreamID, alias: trackAlias(r) ?? .max)
        if let best = bestPriority[key], r.priority <= best {
            rescued += 1
            if r.streamOpen {
                takeOver(r, d)
            } else if let up = upstreamsByID[r.upstreamID], let mirror = up.mirrors[r.upstreamStreamID],
                      d.streams[FastPathStreamKey(upstreamID: r.upstreamID, streamID: r.upstreamStreamID)] == nil,
                      let sub = d.subscriptions.first(where: { trackID(of: $0.value.track) == r.trackID }) {
                startUserStream(d, mirror: mirror, requestID: sub.key, alias: sub.value.alias)
            }
            return
        }
        guard r.streamOpen else {
            // Nothing of it reached the subscriber: open it from user space with just its header and
            // reset it, so the subscriber learns which subgroup was dropped on purpose.
            let key = FastPathStreamKey(upstreamID: r.upstreamID, streamID: r.upstreamStreamID)
            if d.streams[key] == nil, let sub = d.subscriptions.first(where: { trackID(of: $0.value.track) == r.trackID }) {
                d.announceDrops.append((key, sub.key, sub.value.alias, MonotonicClock.now().nanoseconds))
            }
            return
        }
        guard let s = kernelStream(r, d), let id = s.streamID, !s.reset else { return }
        // moq-sub attributes TOO_FAR_BEHIND resets to priority dropping (docs/RELAY.md), but only on
        // a stream whose header it has: until the header is acknowledged (at most
        // `pendingResetLimitNanoseconds`) the reset waits and the connection keeps repairing what
        // the kernel sent, nothing more.
        s.userFrom = nil
        s.headerOnly = true
        if d.core.firstBytesAcknowledged(streamID: id) {
            resetSubscriberStream(d, s, id: id, code: StreamResetCode.tooFarBehind.rawValue)
        } else {
            d.pendingResets.append((s, MonotonicClock.now().nanoseconds))
        }
    }

    /// Resets a subscriber stream. A stream whose first bytes the subscriber has not acknowledged may
    /// never be seen by it (RESET_STREAM cancels their retransmission), so it is taken back from
    /// PUBLISH_DONE's stream count: a subscriber waiting for a stream it cannot identify would wait forever,
    /// while one that sees more streams than counted simply finishes when all it saw are closed.
    func resetSubscriberStream(_ d: FastPathDownstream, _ s: FastPathSubscriberStream, id: UInt64, code: UInt64) {
        guard !s.reset else { return }
        // What the kernel sent is in the sent log until read: the final size must cover it.
        readLog(d, now: MonotonicClock.now())
        s.reset = true
        s.userFrom = nil
        let seen = d.core.firstBytesAcknowledged(streamID: id)
        // The kernel may have sent more than its records told (a full ring buffer loses records):
        // the final size covers its `sent_end` too, or the subscriber fails with FINAL_SIZE_ERROR.
        // Its records may not all be read yet, and the map entry may be gone: the largest of both.
        let kernelSent = max((try? object.subscriberStream(subscriberID: d.id, upstreamID: s.mirror.upstreamID,
                                                            streamID: s.mirror.streamID))??.sent_end ?? 0, s.kernelEnd)
        do { try d.core.resetExternalStream(streamID: id, errorCode: code, sentEnd: kernelSent) } catch {
            failures += 1
            return
        }
        if !seen { d.connection.session.countStreamsOpenedElsewhere(forRequest: s.requestID, count: -1) }
    }

    /// User space sends the rest of a stream the kernel opened, from the record's `final_size` on.
    private func takeOver(_ r: FastPathRecord, _ d: FastPathDownstream) {
        guard let s = kernelStream(r, d), !s.reset else { return }
        s.userFrom = min(s.userFrom ?? r.finalSize, r.finalSize)
        s.userSentEnd = min(s.userSentEnd == 0 ? r.finalSize : s.userSentEnd, r.finalSize)
        pump(d, s)
    }

    private func handleHandoff(_ r: FastPathRecord, _ d: FastPathDownstream) {
        recordsHandoff += 1
        if r.streamOpen {
            takeOver(r, d)
        } else {
            // Nothing of it was sent and no ID taken: user space sends the whole stream.
            let key = FastPathStreamKey(upstreamID: r.upstreamID, streamID: r.upstreamStreamID)
            guard d.streams[key] == nil, let up = upstreamsByID[r.upstreamID], let mirror = up.mirrors[r.upstreamStreamID] ?? {
                let m = UpstreamStreamMirror(upstreamID: up.id, streamID: r.upstreamStreamID, now: MonotonicClock.now().nanoseconds)
                up.mirrors[r.upstreamStreamID] = m
                return m
            }() as UpstreamStreamMirror?,
                  let sub = d.subscriptions.first(where: { trackID(of: $0.value.track) == r.trackID }) else { return }
            startUserStream(d, mirror: mirror, requestID: sub.key, alias: sub.value.alias)
        }
    }

    /// Dropped streams the subscriber never saw: once the mirror has the header, a user stream carries
    /// it and is reset when the header was acknowledged (or after `pendingResetLimitNanoseconds`).
    func announceDroppedStreams(_ d: FastPathDownstream, now: UInt64) {
        guard !d.announceDrops.isEmpty || !d.pendingResets.isEmpty else { return }
        var keep: [(FastPathStreamKey, UInt64, UInt64, UInt64)] = []
        for (key, requestID, alias, since) in d.announceDrops {
            guard d.streams[key] == nil else { continue }
            guard let mirror = upstreamsByID[key.upstreamID]?.mirrors[key.streamID], mirror.headerLength > 0 else {
                if now &- since < 1_000_000_000 { keep.append((key, requestID, alias, since)) }
                continue
            }
            let s = FastPathSubscriberStream(mirror: mirror, requestID: requestID, alias: alias)
            s.headerOnly = true
            mirror.users += 1
            d.streams[key] = s
            openUserStream(d, s)
            guard let id = s.streamID else { continue }
            try? d.core.sendExternalStreamData(streamID: id, range: 0..<UInt64(mirror.headerLength))
            d.pendingResets.append((s, now))
        }
        d.announceDrops = keep
        d.pendingResets.removeAll { s, since in
            guard let id = s.streamID else { return true }
            guard d.core.firstBytesAcknowledged(streamID: id) || now &- since > Self.pendingResetLimitNanoseconds else { return false }
            resetSubscriberStream(d, s, id: id, code: StreamResetCode.tooFarBehind.rawValue)
            return true
        }
        d.connection.quic.withCoreOnLoop { _ in }
    }

    /// Hands user-owned streams of subscribers already in `fp_tracks` to the kernel once user space has
    /// sent everything the mirror holds (a late joiner's current-group streams): later upstream packets
    /// of them are forwarded by the kernel.
    func handOverToKernel(_ d: FastPathDownstream) {
        guard d.deferred.isEmpty else { return }
        for s in d.streamsByID.values where s.userFrom != nil && !s.headerOnly && !s.reset && !s.finished && s.mirror.finalSize == nil {
            guard let id = s.streamID, s.userSentEnd == s.mirror.count, s.mirror.count > 0, d.core.hasSentAllQueued(streamID: id),
                  let limit = d.core.sendStreamLimit(streamID: id) else { continue }
            let handed = (try? object.handStreamToKernel(subscriberID: d.id, upstreamID: s.mirror.upstreamID, streamID: s.mirror.streamID,
                                                        subscriberStreamID: id, sentEnd: s.mirror.count, maxStreamData: limit,
                                                        priority: s.mirror.header?.publisherPriority ?? 128)) ?? false
            guard handed else { continue }
            s.kernelFrom = s.mirror.count
            s.userFrom = nil
            streamsHandedToKernel += 1
        }
    }

    /// Bytes of kernel-owned streams that user space already holds but the kernel did not send are
    /// sent by user space now: a byte reaches the mirror only after its packet passed the kernel
    /// program, whose records were drained first, so the kernel will not send it any more.
    func fillKernelGaps(_ d: FastPathDownstream) {
        for s in d.streamsByID.values where s.userFrom == nil && !s.headerOnly && !s.reset && s.kernelFrom > 0 {
            let end = min(s.kernelEnd, s.mirror.count)
            guard let id = s.streamID, !s.kernelContiguous(upTo: end) else { continue }
            for gap in s.kernelGaps(upTo: end) where !s.filled.contains(where: { $0.overlaps(gap) }) {
                gapBytesFilled += gap.upperBound - gap.lowerBound
                try? d.core.sendExternalStreamData(streamID: id, range: gap)
                s.filled.append(gap)
            }
        }
    }

    // MARK: user-space streams

    /// Serves `mirror` to `d` from user space from offset 0 (a late joiner's stream, or one the
    /// kernel did not take), unless the kernel already has it: the `fp_sub_streams` entry is created
    /// HANDOFF with BPF_NOEXIST, so exactly one of kernel and user space owns the stream.
    func serveFromMirror(_ d: FastPathDownstream, mirror: UpstreamStreamMirror, requestID: UInt64, alias: UInt64) {
        let key = FastPathStreamKey(upstreamID: mirror.upstreamID, streamID: mirror.streamID)
        guard d.streams[key] == nil else { return }
        do {
            // The kernel has it (its records say so) when an entry exists.
            guard try object.claimSubscriberStream(subscriberID: d.id, upstreamID: mirror.upstreamID, streamID: mirror.streamID) else { return }
        } catch {
            failures += 1  // map full (counted by the kernel too): the subscriber misses this stream
            return
        }
        startUserStream(d, mirror: mirror, requestID: requestID, alias: alias)
    }

    func startUserStream(_ d: FastPathDownstream, mirror: UpstreamStreamMirror, requestID: UInt64, alias: UInt64) {
        let key = FastPathStreamKey(upstreamID: mirror.upstreamID, streamID: mirror.streamID)
        let s = FastPathSubscriberStream(mirror: mirror, requestID: requestID, alias: alias)
        s.userFrom = 0
        mirror.users += 1
        d.streams[key] = s
        streamsFromMirror += 1
        openUserStream(d, s)
    }

    /// Allocates the stream's ID and creates it, or waits for MAX_STREAMS credit.
    func openUserStream(_ d: FastPathDownstream, _ s: FastPathSubscriberStream) {
        guard s.streamID == nil else { return }
        guard shared.snapshot(d.id).next_uni_stream < d.core.peerMaxStreams[0], let allocate = d.core.streamIDAllocator else {
            if !d.waitingForStreams.contains(where: { $0 === s }) { d.waitingForStreams.append(s) }
            return
        }
        let id = allocate(false)
        do { try d.core.createExternalStream(id: id) } catch {
            failures += 1
            log("moq-relay: fast path: cannot open stream \(id) for subscriber \(d.id): \(error)")
            return
        }
        s.streamID = id
        d.streamsByID[id] = s
        d.connection.session.countStreamsOpenedElsewhere(forRequest: s.requestID)
        // Draft send order, as the session gives its own streams: a late joiner's keyframe stream
        // (most important) leaves before the P/B streams of the same group, groups ascending.
        if let h = s.mirror.header {
            let order = MoQTStreamPriority(subscriberPriority: 128, publisherPriority: h.publisherPriority ?? 128, groupID: h.groupID,
                                           subgroupID: h.resolvedSubgroupID(firstObjectID: 0), groupOrder: .ascending)
            try? d.core.setPriority(streamID: id, order.sendOrder)
        }
        pump(d, s)
    }

    /// Hands the connection whatever user space owes on `s`: new mirror bytes past `userFrom`, and the
    /// FIN once the mirror is complete. Returns true when it queued something.
    @discardableResult
    func pump(_ d: FastPathDownstream, _ s: FastPathSubscriberStream) -> Bool {
        guard let from = s.userFrom, let id = s.streamID, !s.reset else { return false }
        var queued = false
        let start = max(from, s.userSentEnd)
        let available = s.mirror.count
        if available > start {
            do {
                try d.core.sendExternalStreamData(streamID: id, range: start..<available)
                s.userSentEnd = available
                queued = true
            } catch {
                failures += 1
            }
        }
        if let final = s.mirror.finalSize, s.mirror.isComplete, !s.finished, s.userSentEnd >= final || from >= final {
            s.finished = true
            try? d.core.finishExternalStream(streamID: id, finalSize: final)
            queued = true
        }
        return queued
    }

    /// The upstream stream is complete: every byte the kernel did not report SENT is sent by user
    /// space (mid-stream copies the kernel skipped, a copy lost to a full map), then the FIN.
    /// Returns true when it queued something.
    @discardableResult
    func reconcile(_ d: FastPathDownstream, _ s: FastPathSubscriberStream) -> Bool {
        guard let final = s.mirror.finalSize, let id = s.streamID, !s.reset, !s.headerOnly else { return false }
        var queued = false
        if s.userFrom == nil {
            for gap in s.kernelGaps(upTo: final) {
                gapBytesFilled += gap.upperBound - gap.lowerBound
                try? d.core.sendExternalStreamData(streamID: id, range: gap)
                queued = true
            }
            if !s.finished {
                s.finished = true
                try? d.core.finishExternalStream(streamID: id, finalSize: final)
                queued = true
            }
        } else {
            // User space owns the tail; the kernel may have sent parts below userFrom with gaps.
            for gap in s.kernelGaps(upTo: s.userFrom ?? 0) {
                gapBytesFilled += gap.upperBound - gap.lowerBound
                try? d.core.sendExternalStreamData(streamID: id, range: gap)
                queued = true
            }
            if pump(d, s) { queued = true }
        }
        return queued
    }
}
