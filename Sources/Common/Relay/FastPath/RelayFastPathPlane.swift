import CFastPathABI
import FastPath
import MoQT
import MoQTNet
import NIOCore
import QUIC
import QUICIO

/// The fast path's user-space half: puts cleartext subscribers and their tracks into the kernel's
/// maps, shares packet numbers and stream IDs with the kernel, registers what the kernel sent in each
/// subscriber connection, and sends from the relay's copy of the upstream streams what the kernel did
/// not (late joins, handoffs, retransmissions). Everything runs on the relay's event loop.
final class RelayFastPathPlane {
    let object: FastPathObject
    let shared: FastPathSharedMemory
    let reader: RingBufferReader
    /// The kernel's per-subscriber sent logs (nil: every sent copy comes as a ring-buffer record).
    let sentLog: FastPathSentLog?
    /// How often at least each subscriber's sent log is read when nothing else (its ACKs, an upstream
    /// stream's end, a record about it) asked for it: registration lags the kernel by at most this, well
    /// under any probe timeout.
    var logSweepNanoseconds: UInt64 = 10_000_000
    /// Downstreams by the connection IDs they are reached with (a datagram's DCID finds its log).
    var downstreamsByCID: [[UInt8]: FastPathDownstream] = [:]
    /// The length of every connection ID the relay issues.
    var localConnectionIDLength = 8
    let eventLoop: EventLoop
    let log: (String) -> Void
    /// How long finished mirrors outside a track's latest group are kept.
    var mirrorSeconds: Double = 10
    /// Bytes the kernel may have in flight to a subscriber even while its congestion window is
    /// smaller (see `syncBudget`).
    var burstAllowance = 128 << 10
    /// Tests only (see `RelayFastPath.budgetSyncIntervalNanoseconds`).
    var budgetSyncIntervalNanoseconds: UInt64 = 0
    /// The delay bound of what user space sends to fast-path subscribers (the relay's queue bound).
    var maxDelaySeconds = 1.0
    /// Encrypted mode (`moq-relay --ebpf-encrypted`): connections that negotiated ChaCha20-Poly1305 go
    /// on the fast path too, their keys in the kernel's key maps.
    var encrypted = false
    /// Subscriptions left to user space, by reason (`--stats`: `user_space_reason_<reason>`).
    var userSpaceReasons: [String: UInt64] = [:]
    /// Subscriptions by the subscriber connection's protection and where they are served:
    /// "<cipher suite or cleartext>_kernel" / "_user_space" (`--stats`: `subscriptions_<key>`).
    var subscriptionsByCipher: [String: UInt64] = [:]
    /// Tests only: start a key update on every encrypted fast-path connection this often (0: never).
    var forcedKeyUpdateNanoseconds: UInt64 = 0
    var lastForcedKeyUpdate: UInt64 = 0
    /// New key phases installed in the kernel (upstreams, subscribers) and forced updates started.
    var upstreamKeyInstalls: UInt64 = 0
    var subscriberKeyInstalls: UInt64 = 0
    var forcedKeyUpdates: UInt64 = 0

    var upstreams: [ObjectIdentifier: FastPathUpstream] = [:]
    var upstreamsByID: [UInt32: FastPathUpstream] = [:]
    var downstreams: [ObjectIdentifier: FastPathDownstream] = [:]
    var downstreamsByID: [UInt32: FastPathDownstream] = [:]
    /// Subscribers of each track: (subscriber id, its alias), as written to `fp_tracks`.
    var tracks: [FastPathTrackKey: (trackID: UInt32, subscribers: [FastPathTrackSubscriber])] = [:]
    /// Latest group seen per track (upstream id, upstream alias).
    var latestGroup: [FastPathTrackKey: UInt64] = [:]
    private var freeSubscriberIDs: [UInt32] = []
    private var nextSubscriberID: UInt32 = 0
    private var nextUpstreamID: UInt32 = 0
    private var nextTrackID: UInt32 = 1
    private var nextGeneration: UInt32 = 1
    private var timer: RepeatedTask?

    // Counters for --stats (`fast_path`).
    var recordsSent: UInt64 = 0
    var recordsDropped: UInt64 = 0
    var recordsHandoff: UInt64 = 0
    var recordsStale: UInt64 = 0
    var streamsFromMirror: UInt64 = 0
    var gapBytesFilled: UInt64 = 0
    var retransmittedClosed: UInt64 = 0
    var kernelPacketsClosed: UInt64 = 0
    var userMediaPacketsClosed: UInt64 = 0
    var userSpacePacketsClosed: UInt64 = 0
    var failures: UInt64 = 0
    var userSpaceDrops: UInt64 = 0
    var rescued: UInt64 = 0
    var streamsHandedToKernel: UInt64 = 0
    /// Sent-log entries registered, and numbers whose entry never appeared (reported on the ring
    /// buffer instead, or left unused by the kernel).
    var logEntriesRead: UInt64 = 0
    var logNumbersSkipped: UInt64 = 0
    /// The most important (lowest) publisher priority seen per track: its streams are not left dropped.
    var bestPriority: [FastPathTrackKey: UInt8] = [:]

    init(object: FastPathObject, eventLoop: EventLoop, sentLog: Bool = true, log: @escaping (String) -> Void) throws {
        self.object = object
        self.shared = try FastPathSharedMemory(object: object)
        self.reader = try RingBufferReader(object: object)
        self.sentLog = sentLog ? try FastPathSentLog(object: object) : nil
        self.eventLoop = eventLoop
        self.log = log
    }

    /// Starts the periodic drain (records are also drained before every received datagram).
    func start(endpoint: QUICEndpoint) {
        eventLoop.execute {
            endpoint.beforeEachDatagram = { [weak self] datagram in self?.beforeDatagram(datagram) }
            self.timer = self.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(2), delay: .milliseconds(2)) { [weak self] _ in
                self?.tick()
            }
        }
    }

    func stop() { timer?.cancel(); timer = nil }

    // MARK: connection IDs

    func registerCID(_ cid: [UInt8], owner: FastPathConnectionOwner, into set: inout Set<[UInt8]>) {
        do {
            try object.setLocalConnectionID(cid, owner: owner)
            set.insert(cid)
            if case .subscriber(let id) = owner, let d = downstreamsByID[id] { downstreamsByCID[cid] = d }
        } catch {
            failures += 1
            log("moq-relay: fast path: cannot register a connection ID: \(error)")
        }
    }

    func unregisterCID(_ cid: [UInt8], from set: inout Set<[UInt8]>) {
        _ = try? object.removeLocalConnectionID(cid)
        set.remove(cid)
        downstreamsByCID[cid] = nil
    }

    // MARK: upstreams

    /// The upstream state of `connection`, registering it (5-tuple, CIDs, stream tap) on first use.
    /// Nil when its connection is not cleartext (the kernel cannot read its packets).
    func upstream(for connection: MoQTConnection, route: FastPathRoute, relayPort: UInt16) -> FastPathUpstream? {
        if let u = upstreams[ObjectIdentifier(connection)] { return u }
        let core = connection.quic.coreOnLoop
        guard let protection = protection(of: core).protection else { return nil }
        guard nextUpstreamID < object.configuration.maxUpstreams else {
            log("moq-relay: fast path: too many upstreams (\(object.configuration.maxUpstreams))")
            return nil
        }
        let id = nextUpstreamID
        nextUpstreamID += 1
        let peer = core.peerAddress
        let path = FastPathEndpointPair(family: peer.isIPv6 ? 10 : 2, sourceAddress: peer.ip, sourcePort: peer.port,
                                        destinationAddress: route.localAddress, destinationPort: relayPort)
        var keySlot: UInt32?
        var keyUpdates = 0
        if protection == .chaCha20, let keys = core.oneRTTKeys {
            do {
                try object.setKeys(try Self.keySet(keys, read: true, largest: core.spaces[PacketNumberSpace.application.rawValue].largestReceived ?? 0),
                                   upstream: true, id: id, slot: 0)
                keySlot = 0
                keyUpdates = keys.keyUpdates
            } catch {
                failures += 1
                log("moq-relay: fast path: cannot install the upstream's keys: \(error)")
                return nil
            }
        }
        do { try object.setUpstream(id, path: path, keySlot: keySlot) } catch {
            failures += 1
            log("moq-relay: fast path: cannot register the upstream: \(error)")
            return nil
        }
        let u = FastPathUpstream(id: id, connection: connection, core: core)
        u.path = path
        u.keySlot = keySlot
        u.keyUpdates = keyUpdates
        u.plane = self
        for cid in core.activeLocalConnectionIDs.values { registerCID(cid.bytes, owner: .upstream(id), into: &u.registeredCIDs) }
        core.observer = u
        connection.rawStreamTap = u
        upstreams[ObjectIdentifier(connection)] = u
        upstreamsByID[id] = u
        log("moq-relay: fast path: upstream \(id) is \(peer) (\(keySlot == nil ? "cleartext" : "ChaCha20-Poly1305, opened in the kernel"))")
        return u
    }

    // MARK: subscribers

    /// Puts `connection`'s subscription on the fast path, when its connection and the upstream's are
    /// cleartext. Returns true when the subscription is served by the fast path from now on.
    func subscriberAccepted(connection: MoQTConnection, requestID: UInt64, upstream upstreamConnection: MoQTConnection,
                            upstreamAlias: UInt64, alias: UInt64, subscriberRoute: FastPathRoute, upstreamRoute: FastPathRoute,
                            relayPort: UInt16) -> Bool {
        let core = connection.quic.coreOnLoop
        let suite = core.isCleartext ? "cleartext" : core.negotiatedCipherSuite.map { "\($0)" } ?? "unknown"
        let onFastPath = place(connection: connection, requestID: requestID, upstream: upstreamConnection, upstreamAlias: upstreamAlias,
                               alias: alias, subscriberRoute: subscriberRoute, upstreamRoute: upstreamRoute, relayPort: relayPort)
        subscriptionsByCipher["\(suite)_\(onFastPath ? "kernel" : "user_space")", default: 0] += 1
        return onFastPath
    }

    private func place(connection: MoQTConnection, requestID: UInt64, upstream upstreamConnection: MoQTConnection,
                       upstreamAlias: UInt64, alias: UInt64, subscriberRoute: FastPathRoute, upstreamRoute: FastPathRoute,
                       relayPort: UInt16) -> Bool {
        let core = connection.quic.coreOnLoop
        let (protection, reason) = protection(of: core)
        guard let protection else { userSpaceReasons[reason, default: 0] += 1; return false }
        guard let up = upstream(for: upstreamConnection, route: upstreamRoute, relayPort: relayPort) else {
            userSpaceReasons["upstream_not_on_fast_path", default: 0] += 1
            return false
        }
        // The kernel re-seals an opened packet or rewrites a cleartext one: both ends alike.
        guard (up.keySlot != nil) == (protection == .chaCha20) else {
            userSpaceReasons["protection_differs_from_upstream", default: 0] += 1
            return false
        }
        guard let down = downstream(for: connection, route: subscriberRoute, relayPort: relayPort, protection: protection) else { return false }
        drain()
        let key = FastPathTrackKey(upstreamID: up.id, alias: upstreamAlias)
        // A late joiner gets the latest group's streams already started from the mirrors, later
        // streams from the kernel.
        let start = latestGroup[key] ?? 0
        down.subscriptions[requestID] = (key, alias, start)
        if tracks[key] == nil { tracks[key] = (trackID: nextTrackID, subscribers: []); nextTrackID += 1 }
        let current = up.mirrors.values.sorted(by: { $0.streamID < $1.streamID })
            .filter { $0.header?.trackAlias == upstreamAlias && ($0.header?.groupID ?? 0) >= start && $0.resetCode == nil }
        for mirror in current { serveFromMirror(down, mirror: mirror, requestID: requestID, alias: alias) }
        if current.isEmpty {
            guard addToKernelTrack(down, requestID: requestID) else { return false }
        } else {
            // The joiner's first object (the group's keyframe) must arrive first: the kernel would
            // forward new P/B streams of the group at once, ahead of the keyframe user space is
            // still sending from the mirror. The kernel takes the subscriber once that has left
            // (nothing in flight or queued), at most `joinStagingNanoseconds` later; streams starting
            // meanwhile are served from the mirror too.
            down.deferred[requestID] = MonotonicClock.now().nanoseconds
        }
        log("moq-relay: fast path: subscriber \(down.id) (\(core.peerAddress)) takes track alias \(upstreamAlias) as \(alias) from group \(start)\(current.isEmpty ? "" : ", \(current.count) streams from the relay's copy first")")
        return true
    }

    /// The longest a joiner's kernel forwarding waits for its first streams from the mirror to leave.
    static let joinStagingNanoseconds: UInt64 = 250_000_000
    /// How long a dropped stream's reset waits for the subscriber to acknowledge the stream's header
    /// (a reset of a stream whose header it never got cannot be attributed to the drop). A squeezed
    /// subscriber's queue delay can exceed a second (its header retransmitted meanwhile), so this
    /// is generous, like the user-space path's `RelayServer.pendingResetLimit`; 250 ms let a
    /// policed subscriber report a dropped stream as "lost" now and then.
    static let pendingResetLimitNanoseconds: UInt64 = 10_000_000_000

    /// Lists subscription `requestID` of `down` in `fp_tracks`: the kernel forwards the track's new
    /// streams to it from now on.
    @discardableResult
    func addToKernelTrack(_ down: FastPathDownstream, requestID: UInt64) -> Bool {
        down.deferred[requestID] = nil
        guard let sub = down.subscriptions[requestID], var track = tracks[sub.track] else { return false }
        track.subscribers.append(FastPathTrackSubscriber(subscriberID: down.id, alias: sub.alias))
        do {
            try object.setTrack(upstreamID: sub.track.upstreamID, alias: sub.track.alias, trackID: track.trackID, defaultPriority: 128,
                                subscribers: track.subscribers)
        } catch {
            failures += 1
            log("moq-relay: fast path: cannot put the track on the fast path: \(error)")
            return false  // the subscription stays served from the mirrors (user space)
        }
        tracks[sub.track] = track
        return true
    }

    /// Moves staged joiners to the kernel once their first streams left.
    func releaseStagedJoins(now: UInt64) {
        for d in downstreams.values where !d.deferred.isEmpty {
            let drained = d.core.bytesInFlight == 0 && !d.streams.values.contains { s in
                guard let id = s.streamID, s.userFrom != nil else { return false }
                return !d.core.hasSentAllQueued(streamID: id)
            }
            for (requestID, since) in d.deferred where drained || now &- since > Self.joinStagingNanoseconds {
                addToKernelTrack(d, requestID: requestID)
            }
        }
    }

    /// The downstream state of `connection`, onboarding it on first use: kernel entry, shared counters
    /// and allocators, observer, data source, CIDs.
    private func downstream(for connection: MoQTConnection, route: FastPathRoute, relayPort: UInt16,
                            protection: Protection) -> FastPathDownstream? {
        if let d = downstreams[ObjectIdentifier(connection)] { return d }
        let core = connection.quic.coreOnLoop
        let id: UInt32
        if let free = freeSubscriberIDs.popLast() {
            id = free
        } else {
            guard nextSubscriberID < object.configuration.maxSubscribers else {
                log("moq-relay: fast path: no subscriber slot left (\(object.configuration.maxSubscribers))")
                return nil
            }
            id = nextSubscriberID
            nextSubscriberID += 1
        }
        let generation = nextGeneration
        nextGeneration &+= 1
        let peer = core.peerAddress
        let path = FastPathEndpointPair(family: peer.isIPv6 ? 10 : 2, sourceAddress: route.localAddress, sourcePort: relayPort,
                                        destinationAddress: peer.ip, destinationPort: peer.port)
        var entry = FastPathSubscriber(connectionID: generation, path: path, destinationConnectionID: core.peerConnectionID.bytes)
        entry.interfaceIndex = UInt32(route.interfaceIndex)
        entry.useFIBLookup = true
        entry.uniStreamBase = core.role == .server ? 3 : 2
        entry.initialMaxStreamData = core.peerTransportParameters?.initialMaxStreamDataUni ?? 0
        var keyUpdates = 0
        if protection == .chaCha20 {
            guard let keys = core.oneRTTKeys else { freeSubscriberIDs.append(id); return nil }
            do {
                try object.setKeys(try Self.keySet(keys, read: false, largest: 0), upstream: false, id: id, slot: 0)
            } catch {
                failures += 1
                log("moq-relay: fast path: cannot install the subscriber's keys: \(error)")
                freeSubscriberIDs.append(id)
                return nil
            }
            entry.keySlot = 0
            keyUpdates = keys.keyUpdates
        }
        let down = FastPathDownstream(id: id, generation: generation, connection: connection, core: core, entry: entry)
        down.keyUpdates = keyUpdates
        down.plane = self
        // Shared counters: from now on user space and the kernel draw packet numbers and uni stream
        // IDs from the same atomics.
        let app = PacketNumberSpace.application
        let nextPN = core.spaces[app.rawValue].nextPacketNumber
        let nextUni = core.localStreamsOpened[0]
        down.budgetTarget = Int64(max(core.congestionWindow, burstAllowance) - core.bytesInFlight)
        down.lastPeerDataSent = core.peerDataSent
        down.lastPeerMaxData = core.peerMaxData
        down.lastPeerMaxStreamsUni = core.peerMaxStreams[0]
        shared.reset(id, nextPacketNumber: nextPN, nextUniStream: nextUni, budget: down.budgetTarget,
                     connectionCredit: Int64(core.peerMaxData) - Int64(core.peerDataSent),
                     streamsCredit: Int64(core.peerMaxStreams[0]) - Int64(nextUni))
        do { try object.setSubscriber(id, entry) } catch {
            failures += 1
            log("moq-relay: fast path: cannot register the subscriber: \(error)")
            freeSubscriberIDs.append(id)
            return nil
        }
        sentLog?.clear(id)
        down.logCursor = SentLogCursor(start: nextPN)
        let sharedMemory = shared
        let base: UInt64 = core.role == .server ? 3 : 2
        // `down` weakly: the connection outlives the plane's state of it (its CONNECTION_CLOSE is built
        // after `connectionClosed`, which hands numbering back to the connection).
        core.packetNumberAllocator = { [unowned core, weak down] space in
            guard space == .application else { return core.spaces[space.rawValue].nextPacketNumber - 1 }
            let pn = sharedMemory.allocatePacketNumber(id)
            down?.logCursor.userTook(pn)  // the log reader skips numbers user space took
            return pn
        }
        let bidiBase: UInt64 = core.role == .server ? 1 : 0
        core.streamIDAllocator = { [unowned core] bidirectional in
            if bidirectional { return core.localStreamsOpened[1] * 4 + bidiBase }
            sharedMemory.addStreamsCredit(id, -1)
            return sharedMemory.allocateUniStream(id) * 4 + base
        }
        down.next = core.observer
        core.observer = down
        core.streamDataSource = down
        core.unavailableResetCode = StreamResetCode.tooFarBehind.rawValue
        downstreams[ObjectIdentifier(connection)] = down
        downstreamsByID[id] = down
        for cid in core.activeLocalConnectionIDs.values { registerCID(cid.bytes, owner: .subscriber(id), into: &down.registeredCIDs) }
        return down
    }

    func releaseSubscriberID(_ id: UInt32) { freeSubscriberIDs.insert(id, at: 0) }

    func rewriteSubscriber(_ d: FastPathDownstream) {
        do { try object.setSubscriber(d.id, d.entry) } catch {
            failures += 1
            log("moq-relay: fast path: cannot update subscriber \(d.id): \(error)")
        }
    }

    func pathValidated(_ d: FastPathDownstream, _ address: QUICPeerAddress) {
        guard let route = FastPathRoute.toward(address.ip) else { return }
        d.entry.path = FastPathEndpointPair(family: address.isIPv6 ? 10 : 2, sourceAddress: route.localAddress,
                                            sourcePort: d.entry.path.sourcePort, destinationAddress: address.ip,
                                            destinationPort: address.port)
        d.entry.interfaceIndex = UInt32(route.interfaceIndex)
        rewriteSubscriber(d)
    }
}

// MARK: encrypted mode: protection and keys

extension RelayFastPathPlane {
    /// How the kernel handles a connection's 1-RTT packets.
    enum Protection: Equatable {
        /// Cleartext 1-RTT (`--allow-cleartext` peers): rewritten in place.
        case cleartext
        /// TLS_CHACHA20_POLY1305_SHA256: opened and sealed in the kernel (encrypted mode).
        case chaCha20
    }

    /// How the kernel could handle `core`'s packets, or nil and why not (a `--stats` reason).
    func protection(of core: Connection) -> (protection: Protection?, reason: String) {
        if core.isCleartext { return (.cleartext, "") }
        guard encrypted else { return (nil, "encrypted_not_enabled") }
        guard let keys = core.oneRTTKeys else { return (nil, "no_1rtt_keys") }
        guard keys.suite == .chacha20Poly1305SHA256 else { return (nil, "cipher_\(keys.suite)") }
        return (.chaCha20, "")
    }

    /// The kernel's key set for one direction of `keys`: the current phase's keys and the next phase's.
    static func keySet(_ keys: OneRTTKeys, read: Bool, largest: UInt64) throws -> FastPathKeySet {
        let current = read ? keys.read : keys.write
        let next = read ? keys.nextRead : keys.nextWrite
        return FastPathKeySet(keyPhase: keys.keyPhase,
                              current: try FastPathCryptoKey(key: current.key, iv: current.iv, headerProtectionKey: current.headerProtectionKey),
                              other: try FastPathCryptoKey(key: next.key, iv: next.iv, headerProtectionKey: next.headerProtectionKey),
                              largestPacketNumber: largest)
    }

    /// After a key update on an encrypted connection: the new keys go into the slot the kernel is not
    /// reading, then the connection's entry selects that slot (one 32-bit word). Until then the kernel
    /// passes the upstream's packets of the new phase up, and seals subscriber copies with the old
    /// phase's keys, which the peer still accepts for a while after an update (RFC 9001 §6.1).
    func refreshKeys() {
        if forcedKeyUpdateNanoseconds > 0 {
            let now = MonotonicClock.now().nanoseconds
            if lastForcedKeyUpdate == 0 { lastForcedKeyUpdate = now }
            if now &- lastForcedKeyUpdate >= forcedKeyUpdateNanoseconds {
                lastForcedKeyUpdate = now
                // The relay starts the update; the new keys reach the kernel below, in the same turn of
                // the event loop, before user space sends anything in the new phase.
                for u in upstreams.values where u.keySlot != nil && u.core.initiateKeyUpdate() { forcedKeyUpdates += 1 }
                for d in downstreams.values where d.entry.keySlot != nil && d.core.initiateKeyUpdate() { forcedKeyUpdates += 1 }
            }
        }
        for u in upstreams.values {
            guard let slot = u.keySlot, let keys = u.core.oneRTTKeys, keys.keyUpdates != u.keyUpdates, let path = u.path else { continue }
            let next: UInt32 = slot ^ 1
            do {
                let largest = u.core.spaces[PacketNumberSpace.application.rawValue].largestReceived ?? 0
                try object.setKeys(try Self.keySet(keys, read: true, largest: largest), upstream: true, id: u.id, slot: next)
                try object.setUpstream(u.id, path: path, keySlot: next)
                u.keySlot = next
                u.keyUpdates = keys.keyUpdates
                upstreamKeyInstalls += 1
            } catch {
                failures += 1
                log("moq-relay: fast path: cannot install upstream \(u.id)'s new keys: \(error)")
            }
        }
        for d in downstreams.values {
            guard let slot = d.entry.keySlot, let keys = d.core.oneRTTKeys, keys.keyUpdates != d.keyUpdates else { continue }
            let next: UInt32 = slot ^ 1
            do {
                try object.setKeys(try Self.keySet(keys, read: false, largest: 0), upstream: false, id: d.id, slot: next)
                d.entry.keySlot = next
                d.keyUpdates = keys.keyUpdates
                rewriteSubscriber(d)
                subscriberKeyInstalls += 1
            } catch {
                failures += 1
                log("moq-relay: fast path: cannot install subscriber \(d.id)'s new keys: \(error)")
            }
        }
    }
}
