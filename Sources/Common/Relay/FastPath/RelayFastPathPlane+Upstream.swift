import CFastPathABI
import FastPath
import MoQT
import QUIC
import QUICIO

extension RelayFastPathPlane {
    /// In-order bytes of an upstream stream (the session parses the same bytes right after).
    func upstreamData(_ up: FastPathUpstream, streamID: UInt64, bytes: [UInt8], fin: Bool) {
        guard streamID & 0x2 != 0 else { return }  // bidirectional: control and requests
        let mirror = up.mirrors[streamID] ?? {
            let m = UpstreamStreamMirror(upstreamID: up.id, streamID: streamID, now: MonotonicClock.now().nanoseconds)
            up.mirrors[streamID] = m
            return m
        }()
        let headerNew = mirror.append(bytes, fin: fin, now: MonotonicClock.now().nanoseconds)
        guard !mirror.isForeign else {
            up.mirrors[streamID] = nil
            return
        }
        guard let header = mirror.header else { return }
        let key = FastPathTrackKey(upstreamID: up.id, alias: header.trackAlias)
        if headerNew {
            if header.groupID > (latestGroup[key] ?? 0) || latestGroup[key] == nil { latestGroup[key] = header.groupID }
            if let p = header.publisherPriority { bestPriority[key] = min(bestPriority[key] ?? p, p) }
            // The kernel saw this stream's first packet before user space did: its records tell which
            // subscribers it took. The others (joined after that packet) are served from the mirror.
            drain()
            for d in downstreams.values {
                for (requestID, sub) in d.subscriptions where sub.track == key && header.groupID >= sub.startGroup {
                    serveFromMirror(d, mirror: mirror, requestID: requestID, alias: sub.alias)
                }
            }
        }
        let complete = mirror.isComplete
        if complete { drain() }
        // Only connections that got something to send are polled (most streams are the kernel's).
        for d in downstreams.values {
            guard let s = d.streams[FastPathStreamKey(upstreamID: up.id, streamID: streamID)] else { continue }
            if complete ? reconcile(d, s) : pump(d, s) { d.connection.quic.withCoreOnLoop { _ in } }
        }
    }

    /// The publisher reset an upstream stream: every subscriber copy is reset with the same code, and
    /// the kernel stops forwarding it.
    func upstreamReset(_ up: FastPathUpstream, streamID: UInt64, code: UInt64) {
        guard let mirror = up.mirrors[streamID] else { return }
        mirror.resetCode = code
        drain()
        for d in downstreams.values {
            let key = FastPathStreamKey(upstreamID: up.id, streamID: streamID)
            try? object.markSubscriberStreamDropped(subscriberID: d.id, upstreamID: up.id, streamID: streamID)
            guard let s = d.streams[key], let id = s.streamID, !s.reset, !s.finished else { continue }
            resetSubscriberStream(d, s, id: id, code: code)
            d.connection.quic.withCoreOnLoop { _ in }
        }
    }

    // MARK: budget and credits

    /// Budget = max(congestion window, allowance) − bytes in flight, kept by atomic deltas: the
    /// kernel subtracts each packet it sends, user space adds the change of the target plus what the
    /// kernel was charged for packets registered since (registration counts them in flight a second
    /// time). The kernel cannot queue, so a window still in slow start would drop the first keyframe
    /// burst: until the connection's first loss the allowance is `burstAllowance`; after it, at most
    /// four windows, so a squeezed path's budget follows its shrinking window and the kernel drops
    /// the least important data first.
    /// How long a loss marks a subscriber's path congested: this many smoothed RTTs, at least
    /// `congestedHoldMinimumNanoseconds`.
    var congestedHoldRTTs: UInt64 { 4 }
    var congestedHoldMinimumNanoseconds: UInt64 { 50_000_000 }

    func syncBudget(_ d: FastPathDownstream) {
        if budgetSyncIntervalNanoseconds > 0 {
            let now = MonotonicClock.now().nanoseconds
            if now &- d.lastBudgetSync < budgetSyncIntervalNanoseconds { return }
            d.lastBudgetSync = now
        }
        let cwnd = d.core.congestionWindow
        let allowance = d.core.stats.packetsLost == 0 ? burstAllowance : min(burstAllowance, 4 * cwnd)
        let target = Int64(max(cwnd, allowance)) - Int64(d.core.bytesInFlight)
        let delta = target - d.budgetTarget + d.budgetRefund
        d.budgetTarget = target
        d.budgetRefund = 0
        if delta != 0 { shared.addBudget(d.id, delta) }
        // A loss makes the next few round trips congested: the kernel then meets a shortfall by
        // dropping the least important data; otherwise a shortfall is transient (this sync lags the
        // ACKs) and it hands the stream to the congestion-controlled user-space sender instead.
        let lost = d.core.stats.packetsLost
        if lost > d.lossesSeen {
            d.lossesSeen = lost
            let hold = max(congestedHoldRTTs * d.core.smoothedRTT.nanoseconds, congestedHoldMinimumNanoseconds)
            shared.setCongestedUntil(d.id, MonotonicClock.now().nanoseconds &+ hold)
        }
    }

    /// MAX_DATA credit: the kernel subtracts new bytes it sends; user space subtracts bytes the
    /// connection itself sent beyond that and adds MAX_DATA increases.
    func syncCredits(_ d: FastPathDownstream) {
        let sent = d.core.peerDataSent
        let maxData = d.core.peerMaxData
        let userBytes = Int64(sent &- d.lastPeerDataSent) - Int64(d.kernelNewBytes)
        let delta = Int64(maxData &- d.lastPeerMaxData) - userBytes
        d.lastPeerDataSent = sent
        d.lastPeerMaxData = maxData
        d.kernelNewBytes = 0
        if delta != 0 { shared.addConnectionCredit(d.id, delta) }
    }

    func streamsLimitChanged(_ d: FastPathDownstream, maxStreams: UInt64) {
        if maxStreams > d.lastPeerMaxStreamsUni {
            shared.addStreamsCredit(d.id, Int64(maxStreams - d.lastPeerMaxStreamsUni))
            d.lastPeerMaxStreamsUni = maxStreams
        }
        let waiting = d.waitingForStreams
        d.waitingForStreams.removeAll()
        for s in waiting { openUserStream(d, s) }
    }

    func streamLimitChanged(_ d: FastPathDownstream, streamID: UInt64, maxStreamData: UInt64) {
        guard let s = d.streamsByID[streamID] else { return }
        try? object.setSubscriberStreamLimit(subscriberID: d.id, upstreamID: s.mirror.upstreamID, streamID: s.mirror.streamID,
                                             maxStreamData: maxStreamData)
    }

    /// User space's share of a fast-path subscriber follows the relay's delay bound: a stream whose
    /// oldest byte still queued in user space arrived from upstream more than `maxDelaySeconds` ago is reset
    /// (TOO_FAR_BEHIND, counted as dropped by priority), least important first — the subscriber
    /// resumes at a later keyframe instead of falling ever further behind.
    func resetStaleUserStreams(_ d: FastPathDownstream, now: UInt64) {
        let bound = UInt64(maxDelaySeconds * 1e9)
        var stale: [FastPathSubscriberStream] = []
        for s in d.streamsByID.values where !s.reset && !s.completed && now &- s.mirror.created > bound {
            guard let id = s.streamID, let oldest = d.core.oldestQueuedOffset(streamID: id),
                  let arrived = s.mirror.arrivalTime(of: oldest), now &- arrived > bound else { continue }
            stale.append(s)
        }
        guard !stale.isEmpty else { return }
        stale.sort { ($0.mirror.header?.publisherPriority ?? 128, $0.mirror.header?.groupID ?? 0) > ($1.mirror.header?.publisherPriority ?? 128, $1.mirror.header?.groupID ?? 0) }
        // Stop the kernel first, then read what it sent (its records included), then reset: a final
        // size below what the kernel sent meanwhile is FINAL_SIZE_ERROR at the subscriber.
        for s in stale {
            try? object.markSubscriberStreamDropped(subscriberID: d.id, upstreamID: s.mirror.upstreamID, streamID: s.mirror.streamID)
        }
        drain()
        for s in stale {
            guard let id = s.streamID, !s.reset else { continue }
            userSpaceDrops += 1
            resetSubscriberStream(d, s, id: id, code: StreamResetCode.tooFarBehind.rawValue)
        }
        d.connection.quic.withCoreOnLoop { _ in }
    }

    // MARK: cleanup

    /// Every byte (or the reset) of a subscriber stream was acknowledged.
    func streamCompleted(_ d: FastPathDownstream, streamID: UInt64) {
        guard let s = d.streamsByID.removeValue(forKey: streamID) else { return }
        s.completed = true
        s.mirror.users -= 1
        // The fp_sub_streams entry stays until the mirror is evicted, so a late duplicate of the
        // stream's first packet from upstream cannot open the stream a second time.
    }

    /// The 2 ms timer: records, sync, evict old mirrors; and each subscriber's sent log at least every
    /// `logSweepNanoseconds` (its ACKs usually read it first), after which the bytes the kernel left
    /// out are filled in (only then is its view of what the kernel sent current).
    func tick() {
        drainRecords()
        if encrypted { refreshKeys() }
        let clock = MonotonicClock.now()
        let now = clock.nanoseconds
        var gapsDue: Set<UInt32> = []
        for d in downstreams.values {
            if sentLog == nil {
                gapsDue.insert(d.id)
            } else if now &- d.lastGapFill >= logSweepNanoseconds {
                readLog(d, now: clock)
                d.lastGapFill = now
                gapsDue.insert(d.id)
            }
            syncBudget(d)
            syncCredits(d)
        }
        releaseStagedJoins(now: now)
        for d in downstreams.values {
            resetStaleUserStreams(d, now: now)
            announceDroppedStreams(d, now: now)
            handOverToKernel(d)
            if gapsDue.contains(d.id) { fillKernelGaps(d) }
        }
        evictMirrors(now: now)
    }

    /// Forgets complete mirrors no subscriber stream uses that are outside their track's latest group
    /// and older than `mirrorSeconds` (the latest group stays for late joiners, like the cache).
    func evictMirrors(now: UInt64) {
        let horizon = UInt64(mirrorSeconds * 1e9)
        for up in upstreams.values {
            for (id, m) in up.mirrors where m.users <= 0 && (m.isComplete || m.resetCode != nil) && now &- m.created > horizon {
                if let h = m.header, latestGroup[FastPathTrackKey(upstreamID: up.id, alias: h.trackAlias)] == h.groupID { continue }
                up.mirrors[id] = nil
                _ = try? object.removeStream(upstreamID: up.id, streamID: id)
                for d in downstreams.values {
                    _ = try? object.removeSubscriberStream(subscriberID: d.id, upstreamID: up.id, streamID: id)
                    d.streams[FastPathStreamKey(upstreamID: up.id, streamID: id)] = nil
                }
            }
        }
    }

    /// A subscription left the fast path (unsubscribe).
    func subscriptionEnded(_ connection: MoQTConnectionRef, requestID: UInt64) {
        guard let d = downstreams[connection], let sub = d.subscriptions.removeValue(forKey: requestID) else { return }
        removeFromTrack(d, key: sub.track)
    }

    private func removeFromTrack(_ d: FastPathDownstream, key: FastPathTrackKey) {
        guard var track = tracks[key] else { return }
        track.subscribers.removeAll { $0.subscriberID == d.id }
        if track.subscribers.isEmpty {
            tracks[key] = nil
            _ = try? object.removeTrack(upstreamID: key.upstreamID, alias: key.alias)
        } else {
            tracks[key] = track
            try? object.setTrack(upstreamID: key.upstreamID, alias: key.alias, trackID: track.trackID, defaultPriority: 128,
                                 subscribers: track.subscribers)
        }
    }

    /// A session closed: a subscriber leaves every map; an upstream's tracks and mirrors go.
    func connectionClosed(_ connection: MoQTConnectionRef) {
        if let d = downstreams.removeValue(forKey: connection) {
            for sub in d.subscriptions.values { removeFromTrack(d, key: sub.track) }
            d.subscriptions.removeAll()
            retransmittedClosed += d.retransmittedPackets
            kernelPacketsClosed += d.kernelPackets
            userMediaPacketsClosed += d.userMediaPackets
            userSpacePacketsClosed += UInt64(max(0, d.core.stats.packetsSent))
            for key in d.streams.keys {
                _ = try? object.removeSubscriberStream(subscriberID: d.id, upstreamID: key.upstreamID, streamID: key.streamID)
            }
            for s in d.streams.values where !s.completed { s.mirror.users -= 1 }
            d.streams.removeAll()
            d.streamsByID.removeAll()
            for cid in d.registeredCIDs {
                _ = try? object.removeLocalConnectionID(cid)
                downstreamsByCID[cid] = nil
            }
            try? object.removeSubscriber(d.id)
            if d.entry.keySlot != nil { try? object.clearKeys(upstream: false, id: d.id) }
            downstreamsByID[d.id] = nil
            d.core.observer = d.next
            d.core.streamDataSource = nil
            // The slot goes to another connection: this one numbers its last packets (CONNECTION_CLOSE)
            // itself again, from past every number it or the kernel took.
            let app = PacketNumberSpace.application.rawValue
            d.core.spaces[app].nextPacketNumber = max(d.core.spaces[app].nextPacketNumber, shared.nextPacketNumber(d.id))
            d.core.packetNumberAllocator = nil
            d.core.streamIDAllocator = nil
            // The slot is reused later; records of this connection are recognised by its generation.
            releaseSubscriberID(d.id)
        }
        if let u = upstreams[connection] {
            // The publisher is gone: its streams will never end, so every subscriber copy the kernel
            // or user space opened is reset now (SESSION_CLOSED). Otherwise a subscriber waiting for
            // PUBLISH_DONE's stream count would wait for streams that cannot finish.
            for streamID in Array(u.mirrors.keys) {
                upstreamReset(u, streamID: streamID, code: StreamResetCode.sessionClosed.rawValue)
            }
        }
        if let u = upstreams.removeValue(forKey: connection) {
            for key in tracks.keys where key.upstreamID == u.id {
                tracks[key] = nil
                _ = try? object.removeTrack(upstreamID: key.upstreamID, alias: key.alias)
                latestGroup[key] = nil
            }
            for id in u.mirrors.keys { _ = try? object.removeStream(upstreamID: u.id, streamID: id) }
            u.mirrors.removeAll()
            for cid in u.registeredCIDs { _ = try? object.removeLocalConnectionID(cid) }
            try? object.removeUpstream(u.id)
            if u.keySlot != nil { try? object.clearKeys(upstream: true, id: u.id) }
            upstreamsByID[u.id] = nil
            u.connection.rawStreamTap = nil
            u.core.observer = nil
        }
    }
}

/// Identifies a MoQT connection in the plane's tables.
typealias MoQTConnectionRef = ObjectIdentifier
