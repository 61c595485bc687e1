import Foundation
import MoQT
import MoQTNet
import NIOCore
import QUIC
import QUICIO

/// The networked relay: accepts publishers (PUBLISH_NAMESPACE) and subscribers on one MoQT
/// endpoint, subscribes upstream once per track, caches every track (`TrackCache`), serves late
/// joiners from the latest group (`JoinPlan`) and fans objects out to every subscriber on its own
/// subgroup streams.
///
/// All state lives on one event loop: every session of the endpoint runs there and its events
/// reach `moqtConnection(_:didReceive:)` there.
public final class RelayServer: MoQTSessionHandler, @unchecked Sendable {
    /// The event loop all sessions and all relay state live on.
    public let eventLoop: EventLoop
    private let cacheConfiguration: TrackCache.Configuration
    /// Bytes of every track's cache together, as last counted (`SharedCacheBound`; never below the
    /// truth, recounted whenever it reaches the bound).
    var cacheBytesHeld = 0
    /// Announced namespaces and the publisher session of each.
    var namespaces: [TrackNamespace: MoQTConnection] = [:]
    var tracks: [FullTrackName: RelayTrack] = [:]
    /// Upstream subscriptions: (publisher session, request ID) → track.
    private var upstreamRequests: [UpstreamKey: RelayTrack] = [:]
    /// SUBSCRIBEs waiting for a publisher (RENDEZVOUS_TIMEOUT).
    private var rendezvous: [UpstreamKey: (connection: MoQTConnection, subscribe: Draft18.Subscribe)] = [:]
    /// Announcements: (publisher session, PUBLISH_NAMESPACE request ID) → namespace.
    private var announcements: [UpstreamKey: TrackNamespace] = [:]
    /// SUBSCRIBE_NAMESPACE requests: (subscriber session, request ID) → (session, prefix).
    var namespaceSubscriptions: [UpstreamKey: (connection: MoQTConnection, prefix: TrackNamespace)] = [:]
    /// SUBSCRIBE_TRACKS requests: (subscriber session, request ID) → the interest.
    var trackInterests: [UpstreamKey: RelayTrackInterest] = [:]
    /// PUBLISHes sent downstream and not answered yet: (subscriber session, request ID) → track.
    var offered: [UpstreamKey: RelayTrack] = [:]
    /// Prefixes whose SUBSCRIBE_NAMESPACE / SUBSCRIBE_TRACKS went to the upstream relay, with the
    /// request ID there.
    var upstreamNamespaceInterest: [TrackNamespace: UInt64] = [:]
    var upstreamTrackInterest: [TrackNamespace: UInt64] = [:]
    /// Namespaces the upstream relay reported (NAMESPACE), passed on to namespace subscribers.
    var upstreamNamespaces: Set<TrackNamespace> = []
    /// Upstream FETCHes: (session, request ID) → the downstream FETCH they help answer.
    private var upstreamFetches: [UpstreamKey: RelayFetch] = [:]
    /// TRACK_STATUS requests forwarded upstream, to the downstream request each answers.
    private var upstreamTrackStatus: [UpstreamKey: (connection: MoQTConnection, requestID: UInt64)] = [:]
    var aliases: [ObjectIdentifier: AliasAllocator] = [:]
    /// Open sessions that have had a subscription accepted.
    private var subscriberSessions: Set<ObjectIdentifier> = []
    /// Sessions that have had a subscription accepted, over the relay's life.
    private var subscriberSessionCount = 0
    private var stats = RelayStats()
    /// Sessions past SETUP and not closed yet (the metrics' `sessions` gauge).
    private var openSessions: Set<ObjectIdentifier> = []
    /// The user-space forwarding plane: one drop-policy queue per subscriber session.
    var plane: UserSpaceForwardingPlane
    /// Sessions with accepted subscriptions.
    var subscriberStates: [ObjectIdentifier: RelaySubscriberSession] = [:]
    private var nextSubscriberID: UInt64 = 1
    private let congestionConfiguration: SubscriberCongestion.Configuration
    /// How often a subscriber whose queue holds objects is fed again (also on every new object).
    static let pumpInterval: TimeAmount = .milliseconds(2)
    /// How long a dropped stream's reset waits for its header to leave (a subscriber that does not
    /// read at all never lets it), in seconds.
    static let pendingResetLimit = 10.0
    /// How long a FETCH waits for the upstream FETCHes of the ranges the cache lacks.
    static let upstreamFetchTimeout: TimeAmount = .seconds(3)
    /// Cache counters of tracks already removed.
    private var retiredCache = CacheStats()
    /// The session to the upstream relay (`--upstream`), which gets what no local publisher serves.
    private(set) var upstreamRelay: MoQTConnection?
    private var upstreamEndpoint: MoQTEndpoint?
    /// The upstream relay's URL (`--upstream`): a lost upstream session is connected again with backoff.
    private var upstreamURL: String?
    /// Set by `closeAll`: no more reconnections to the upstream relay.
    private var shuttingDown = false
    /// Settings of the upstream session (the accepted ones get theirs from the endpoint).
    public var sessionConfiguration = MoQTSessionConfiguration()
    /// Told of every object a subscriber queue dropped, with the time (on the event loop; tests, metrics).
    var onDrops: (([DroppedObject], RelayTime) -> Void)?
    /// Told the queue delay (seconds from entering its subscriber queue to leaving it) of every
    /// object the pump sends, on the event loop; set before the relay serves (`--metrics`).
    public var onQueueDelay: ((Double) -> Void)?
    /// Receives log lines (on the event loop).
    public var log: ((String) -> Void)?
    /// The kernel fast path (`--ebpf`), if enabled.
    public var fastPath: RelayFastPath?
    /// Which requests need an AUTHORIZATION TOKEN (`--publish-token`, `--subscribe-token`);
    /// set before the relay serves. Open to anyone by default.
    public var authorization = RelayAuthorization()
    /// How long a subscriber may stay behind before its session is closed (`--slow-subscriber-timeout`),
    /// in seconds; nil: never. Behind means its queue keeps dropping its groups' most important
    /// objects (priority drop first: B, then P frames' streams go before any keyframe) without
    /// catching up, or data in flight to it with no acknowledgement for that long (a stopped
    /// process; `SlowSubscriberDetector`): a subscriber whose link carries the
    /// most important data once the rest is dropped is never cut off. One that cannot take even
    /// that (it stopped reading, or its link is too slow) gets PUBLISH_DONE TOO_FAR_BEHIND on every
    /// subscription (draft-18 lets a publisher end a subscription that fell too far behind this way),
    /// its open subgroup streams reset TOO_FAR_BEHIND, and its session closed with INTERNAL_ERROR
    /// (draft-18 has no session code for it; §3.5 lets a subscription error close the session),
    /// so nothing more is held for it.
    public var slowSubscriberTimeout: Double? = 10

    struct UpstreamKey: Hashable {
        var connection: ObjectIdentifier
        var requestID: UInt64
    }

    /// A relay whose sessions run on `eventLoop`.
    public init(eventLoop: EventLoop, cache: TrackCache.Configuration = TrackCache.Configuration(),
                queue: SubscriberQueue.Configuration = RelayServer.defaultQueueConfiguration,
                congestion: SubscriberCongestion.Configuration = SubscriberCongestion.Configuration()) {
        self.eventLoop = eventLoop
        self.cacheConfiguration = cache
        self.plane = UserSpaceForwardingPlane(queueConfiguration: queue)
        self.congestionConfiguration = congestion
    }

    /// The byte bound of all the tracks' caches together (`--cache-bytes`, `SharedCacheBound`).
    var sharedCacheBytes: Int { cacheConfiguration.cacheBytes }

    /// The relay's subscriber queues: 2 MiB budget, 1 s maximum queue delay.
    public static let defaultQueueConfiguration = SubscriberQueue.Configuration(maxBytes: 2 << 20, maxDelay: 1)

    /// The counters so far, with the caches' current state (call on any thread).
    public func currentStats() async -> RelayStats {
        (try? await eventLoop.submit { self.statsOnLoop() }.get()) ?? RelayStats()
    }

    func statsOnLoop() -> RelayStats {
        var s = stats
        s.subscribers = subscriberSessionCount
        s.sessions = openSessions.count
        s.subscriptions = tracks.values.reduce(0) { $0 + $1.subscribers.count }
        s.add(retiredCache)
        for t in tracks.values { s.add(t.cache.stats) }
        // Packets user space sent to subscribers; for those on the fast path its media packets only
        // (`RelayFastPath.contribute`).
        for state in subscriberStates.values where fastPath?.serves(state.connection) != true {
            s.packetsUserSpace += state.connection.quic.coreOnLoop.stats.packetsSent
        }
        for state in subscriberStates.values { s.ackFramesReceived += state.connection.quic.coreOnLoop.ackFramesReceived }
        fastPath?.contribute(to: &s)
        return s
    }

    private static func now() -> RelayTime { RelayTime(nanoseconds: MonotonicClock.now().nanoseconds) }

    // MARK: Session events

    public func moqtConnection(_ connection: MoQTConnection, didReceive event: MoQTSessionEvent) {
        guard authorize(connection, event) else { return }
        switch event {
        case .publishNamespaceRequested(let requestID, let announce):
            if let old = namespaces[announce.namespace], old !== connection { publisherReplaced(old, namespace: announce.namespace) }
            namespaces[announce.namespace] = connection
            announcements[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] = announce.namespace
            fastPath?.publisherAppeared(connection)
            try? connection.session.accept(requestID)
            log?("moq-relay: namespace \(announce.namespace) announced")
            notifyNamespaceSubscribers(announce.namespace, done: false)
        case .publishRequested(let requestID, let publish):
            handlePublish(connection, requestID, publish)
        case .subscribeNamespaceRequested(let requestID, let subscribe):
            handleSubscribeNamespace(connection, requestID, subscribe.prefix)
        case .subscribeTracksRequested(let requestID, let request):
            handleSubscribeTracks(connection, requestID, request)
        case .requestOK(let requestID, let ok):
            if let d = upstreamTrackStatus.removeValue(forKey: UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)) {
                var parameters = MessageParameters()
                parameters.largestObject = ok.parameters.largestObject
                try? d.connection.performOnLoop { try $0.accept(d.requestID, parameters: parameters, trackProperties: ok.trackProperties) }
                return
            }
            offerAnswered(connection, requestID, ok)
        case .trackStatusRequested(let requestID, let status):
            handleTrackStatus(connection, requestID, status)
        case .requestUpdated(let requestID, let update):
            handleRequestUpdate(connection, requestID, update)
        case .namespace(let requestID, let suffix) where connection === upstreamRelay:
            upstreamNamespace(requestID, suffix: suffix, done: false)
        case .namespaceDone(let requestID, let suffix) where connection === upstreamRelay:
            upstreamNamespace(requestID, suffix: suffix, done: true)
        case .subscribeRequested(let requestID, let subscribe):
            handleSubscribe(connection, requestID, subscribe)
        case .fetchRequested(let requestID, let fetch):
            handleFetch(connection, requestID, fetch)
        case .fetchObject(let requestID, let object):
            if let f = upstreamFetches[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] {
                let t = TrackObject(location: object.location, forwarding: object.forwarding, publisherPriority: object.publisherPriority,
                                    status: object.status, properties: object.properties, payload: object.payload)
                let received = RelayObject(t, arrival: Self.now())
                f.assembly.receive(received)
                // What the upstream fetched for this relay stays in the track's cache too.
                if let track = tracks[f.track] { cacheInsert(received, into: track, now: received.arrival) }
            }
        case .fetchEnded(let requestID):
            upstreamFetchEnded(connection, requestID, completed: true)
        case .fetchReset(let requestID, _):
            upstreamFetchEnded(connection, requestID)
        case .requestCancelled(let requestID, _):
            let key = UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)
            if let ns = announcements.removeValue(forKey: key) {
                if namespaces[ns] === connection { namespaces[ns] = nil }
                log?("moq-relay: namespace \(ns) withdrawn")
                notifyNamespaceSubscribers(ns, done: true)
            } else if namespaceSubscriptions.removeValue(forKey: key) != nil || trackInterests.removeValue(forKey: key) != nil {
                break
            } else if let track = offered.removeValue(forKey: key) {
                withdrawOffer(track, connection, requestID)
            } else {
                removeDownstream(connection, requestID)
            }
        case .subscribeOK(let requestID, let alias, let ok):
            if let track = upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] {
                track.upstreamLargest = ok.parameters.largestObject
                upstreamEstablished(track, alias: alias)
            }
        case .requestError(let requestID, _) where subscriberStates[ObjectIdentifier(connection)]?.downstreams[requestID] != nil:
            // draft-22: the session refused a subscriber's REQUEST_UPDATE (e.g. INVALID_FILTER)
            // and ended the subscription with PUBLISH_DONE UPDATE_FAILED.
            removeDownstream(connection, requestID)
        case .requestError(let requestID, let error):
            if let d = upstreamTrackStatus.removeValue(forKey: UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)) {
                try? d.connection.performOnLoop { try $0.reject(d.requestID, code: error.code, reason: error.reason) }
                return
            }
            upstreamFetchEnded(connection, requestID)
            if let track = offered.removeValue(forKey: UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)) {
                withdrawOffer(track, connection, requestID)
            }
            if let track = upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] {
                upstreamFailed(track, code: error.code, reason: error.reason)
            }
        case .object(let object):
            if let track = upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: object.requestID)] {
                upstreamObject(track, object)
            }
        case .subgroupEnded(let requestID, let streamID, let group, let subgroup):
            if let track = upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] {
                upstreamSubgroupEnded(track, streamID: streamID, group: group, subgroup: subgroup, resetCode: nil)
            }
        case .subgroupReset(let requestID, let streamID, let group, let subgroup, let code):
            if let track = upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] {
                upstreamSubgroupEnded(track, streamID: streamID, group: group, subgroup: subgroup, resetCode: code)
            }
        case .publishDone(let requestID, let done):
            upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)]?.publishDone = done
        case .subscriptionFinished(let requestID, _):
            if let track = upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] {
                let done = track.publishDone ?? Draft18.PublishDone(statusCode: .trackEnded, streamCount: 0, reason: "")
                finishTrack(track, code: done.statusCode, reason: done.reason)
            }
        case .ready:
            openSessions.insert(ObjectIdentifier(connection))
        case .closed:
            sessionClosed(connection)
        default:
            break
        }
    }

    /// Names a session for the log: its peer and what it did here.
    func sessionLabel(_ connection: MoQTConnection) -> String {
        let id = ObjectIdentifier(connection)
        var roles: [String] = []
        if connection === upstreamRelay { roles.append("upstream relay") }
        let published = namespaces.filter { $0.value === connection }.map { "\($0.key)" }.sorted()
        if !published.isEmpty { roles.append("publisher of \(published.joined(separator: ", "))") }
        if tracks.values.contains(where: { $0.upstream === connection }), published.isEmpty, connection !== upstreamRelay {
            roles.append("publisher")
        } else if published.isEmpty, announcements.keys.contains(where: { $0.connection == id }) {
            roles.append("publisher (replaced)")
        }
        let subscriptions = tracks.values.reduce(0) { $0 + $1.subscribers.filter { $0.connection === connection }.count }
        if subscriptions > 0 || subscriberSessions.contains(id) { roles.append("subscriber (\(subscriptions) subscriptions)") }
        if !openSessions.contains(id) && connection !== upstreamRelay { roles.append("before SETUP") }
        let peer = connection.quic.coreOnLoop.peerAddress
        return "session \(peer)" + (roles.isEmpty ? "" : " [\(roles.joined(separator: "; "))]")
    }

    // MARK: Downstream

    private func handleSubscribe(_ connection: MoQTConnection, _ requestID: UInt64, _ subscribe: Draft18.Subscribe) {
        let session = connection.session
        log?("moq-relay: SUBSCRIBE \(subscribe.track) request \(requestID)")
        let name = subscribe.track
        let sub = RelayDownstream(connection: connection, requestID: requestID, filter: subscribe.parameters.subscriptionFilter,
                                  subscriberPriority: subscribe.parameters.subscriberPriority ?? 128,
                                  groupOrder: subscribe.parameters.groupOrder ?? .ascending)
        sub.forwarding = subscribe.parameters.forward ?? true
        if let track = tracks[name] {
            if track.isEstablished { accept(sub, on: track) } else { track.pending.append(sub) }
            return
        }
        guard let publisher = route(name.namespace) else {
            if let ms = subscribe.parameters.rendezvousTimeout, ms > 0 {
                // RENDEZVOUS_TIMEOUT: wait that long for a publisher of the namespace to appear.
                let key = UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)
                rendezvous[key] = (connection, subscribe)
                eventLoop.scheduleTask(in: .milliseconds(Int64(min(ms, 600_000)))) { [weak self] in
                    guard let self, self.rendezvous.removeValue(forKey: key) != nil else { return }
                    try? connection.performOnLoop { try $0.reject(requestID, code: .timeout, reason: "no publisher within the rendezvous timeout") }
                }
                return
            }
            try? session.reject(requestID, code: .doesNotExist, reason: "no publisher for namespace \(name.namespace)")
            return
        }
        do {
            // No filter: the publisher sends from where it stands (a Largest Object filter would
            // exclude an object already published, e.g. the catalog's only object).
            let upstreamID = try publisher.performOnLoop { try $0.subscribe(name) }
            let track = RelayTrack(name: name, upstream: publisher, upstreamRequestID: upstreamID, cache: cacheConfiguration)
            track.pending.append(sub)
            tracks[name] = track
            upstreamRequests[UpstreamKey(connection: ObjectIdentifier(publisher), requestID: upstreamID)] = track
        } catch {
            try? session.reject(requestID, code: .internalError, reason: "upstream subscribe failed: \(error)")
        }
    }

    /// The session that serves `namespace`: the publisher that announced it (longest prefix), else
    /// the upstream relay, if any.
    private func route(_ namespace: TrackNamespace) -> MoQTConnection? {
        let local = namespaces.filter { namespace.hasPrefix($0.key) && !$0.value.session.isClosed }
            .max { $0.key.fields.count < $1.key.fields.count }?.value
        if let local { return local }
        if let up = upstreamRelay, !up.session.isClosed { return up }
        return nil
    }

    /// Connects to the upstream relay (`moqt://HOST:PORT`, certificate not verified) on the relay's
    /// event loop; subscriptions and namespace interest no local publisher serves go there.
    public func connectUpstream(url: String, attempts: Int = 20) async throws {
        let endpoint = try await MoQTEndpoint.client(group: eventLoop)
        var lastError: Error = MoQTNetError.badURL(url)
        for attempt in 0..<max(attempts, 1) {
            do {
                let session = try await endpoint.connect(url: url, insecure: true, configuration: sessionConfiguration, handler: self)
                try await eventLoop.submit {
                    self.upstreamRelay = session
                    self.upstreamEndpoint = endpoint
                    self.upstreamURL = url
                }.get()
                log?("moq-relay: upstream relay \(url) connected")
                return
            } catch {
                lastError = error
                if attempt + 1 < attempts { try? await Task.sleep(nanoseconds: 250_000_000) }
            }
        }
        await endpoint.close()
        throw lastError
    }

    /// The upstream session was lost: connect again with backoff (0.25 s doubling up to 8 s, as
    /// `moq-pub`/`moq-sub --reconnect`) until it answers or the relay shuts down. Its tracks ended
    /// with PUBLISH_DONE GOING_AWAY meanwhile (subscribers with `--reconnect` subscribe again and are
    /// answered DOES_NOT_EXIST until the upstream is back); once it is, SUBSCRIBEs and the namespace
    /// interest of this relay's namespace subscribers go there again.
    private func reconnectUpstream(lost: String) {
        guard let url = upstreamURL, let endpoint = upstreamEndpoint, !shuttingDown else { return }
        let configuration = sessionConfiguration
        Task { [weak self] in
            var backoff = Backoff()
            var why = lost
            while let self {
                let delay = backoff.next()
                self.log?("moq-relay: upstream relay \(url) lost (\(why)); reconnecting in \(Backoff.format(delay))")
                try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                guard (try? await self.eventLoop.submit({ !self.shuttingDown && self.upstreamRelay == nil }).get()) == true else { return }
                do {
                    let session = try await endpoint.connect(url: url, insecure: true, configuration: configuration, handler: self)
                    try await self.eventLoop.submit { self.upstreamReconnected(session, url: url, attempts: backoff.attempts) }.get()
                    return
                } catch {
                    why = "\(error)"
                }
            }
        }
    }

    private func upstreamReconnected(_ session: MoQTConnection, url: String, attempts: Int) {
        guard !shuttingDown else { return }
        upstreamRelay = session
        log?("moq-relay: upstream relay \(url) reconnected (attempt \(attempts))")
        // Namespace interest of subscribers still here goes upstream again.
        for (_, sub) in namespaceSubscriptions where upstreamNamespaceInterest[sub.prefix] == nil {
            if let id = try? session.performOnLoop({ try $0.subscribeNamespace(sub.prefix) }) { upstreamNamespaceInterest[sub.prefix] = id }
        }
    }

    /// The alias of `track` in `connection`'s session (`AliasAllocator`: the upstream one where free).
    func allocateAlias(_ connection: MoQTConnection, track: RelayTrack) -> UInt64 {
        let id = ObjectIdentifier(connection)
        var allocator = aliases[id] ?? AliasAllocator()
        let alias = allocator.allocate(track: track.name, upstream: track.upstreamAlias)
        aliases[id] = allocator
        return alias
    }

    /// SUBSCRIBE_OK for `sub`, then the cache replay of its join plan.
    private func accept(_ sub: RelayDownstream, on track: RelayTrack) {
        var alias = allocateAlias(sub.connection, track: track)
        var parameters = MessageParameters()
        parameters.largestObject = track.cache.largestLocation
        do {
            alias = try sub.connection.performOnLoop { session in
                do {
                    // No window: the relay itself decides where delivery starts (the join plan).
                    return try session.acceptSubscribe(sub.requestID, trackAlias: alias, largest: nil, parameters: parameters)
                } catch MoQTSessionError.trackAliasInUse {
                    return try session.acceptSubscribe(sub.requestID, trackAlias: nil, largest: nil, parameters: parameters)
                }
            }
        } catch {
            log?("moq-relay: accepting a subscription failed: \(error)")
            return
        }
        start(sub, on: track, alias: alias)
        serveFill(sub, on: track)   // draft-22 FILL_PARAMETERS (RelayServer+Fill.swift)
    }

    /// Starts delivery of `track` to an accepted subscription (SUBSCRIBE_OK sent, or the
    /// subscriber's REQUEST_OK to the relay's PUBLISH): the cache replay of its join plan, then live.
    func start(_ sub: RelayDownstream, on track: RelayTrack, alias: UInt64) {
        let id = ObjectIdentifier(sub.connection)
        sub.track = track
        sub.alias = alias
        track.subscribers.append(sub)
        if subscriberSessions.insert(id).inserted { subscriberSessionCount += 1 }
        let state = subscriberState(for: sub.connection)
        state.downstreams[sub.requestID] = sub
        if sub.forwarding {
            let plan: JoinPlan
            switch sub.filter {
            case .largestObject? where sub.connection.session.fillRequest(ofRequest: sub.requestID) != nil:
                // draft-22 join: the fill stream (serveFill) carries what precedes; live from after the largest object.
                plan = track.cache.joinPlan(startingAt: track.cache.joinStart(for: .largestObject))
            case nil, .largestObject?:
                // Serve a late joiner from the latest group's first object (its keyframe).
                plan = track.cache.latestGroupJoinPlan()
            case let filter?:
                plan = track.cache.joinPlan(startingAt: track.cache.joinStart(for: filter))
            }
            deliver(sub, on: track, state: state, plan: plan)
        }
        updateUpstreamForwarding(track)
    }

    /// Attaches `sub` to the plane (and the fast path) and queues the cached part of `plan`.
    func deliver(_ sub: RelayDownstream, on track: RelayTrack, state: RelaySubscriberSession, plan: JoinPlan) {
        sub.plan = plan
        plane.attach(subscriber: state.id, track: track.name, subscription: sub.subscriptionContext)
        // A draft-22 subscription with Range Filters stays in user space, where the session writes
        // only the objects they admit; the fast path mirrors whole upstream streams.
        if sub.connection.session.rangeFilters(ofRequest: sub.requestID).isEmpty {
            fastPath?.subscriberAccepted(sub.connection, requestID: sub.requestID, upstream: track.upstream,
                                         upstreamAlias: track.upstreamAlias, alias: sub.alias)
        }
        // The cached part of the join goes to the queue at once: it releases the group's first
        // object (its keyframe, publisher priority 0) first, and QUIC sends that subgroup's stream
        // ahead of the others by its send order (`MoQTStreamPriority`).
        startReplay(sub, track: track)
    }

    func subscriberState(for connection: MoQTConnection) -> RelaySubscriberSession {
        let id = ObjectIdentifier(connection)
        if let s = subscriberStates[id] { return s }
        let s = RelaySubscriberSession(id: nextSubscriberID, connection: connection, congestion: congestionConfiguration)
        nextSubscriberID += 1
        subscriberStates[id] = s
        // Feed the queue when ACKs make room (the fast path may own the observer of connections it serves).
        let core = connection.quic.coreOnLoop
        if core.observer == nil {
            core.observer = RelayCongestionObserver { [weak self, weak s] in
                guard let self, let s, (self.plane.queue(for: s.id)?.queuedCount ?? 0) > 0 else { return }
                self.requestPump(s)
            }
        }
        return s
    }

    /// Queues the cached part of a join plan; replayed subgroups that already ended upstream end
    /// here once sent.
    private func startReplay(_ sub: RelayDownstream, track: RelayTrack) {
        drainPlan(sub, track: track)
        // Replayed subgroups that already ended upstream end here too, once sent.
        guard let state = subscriberStates[ObjectIdentifier(sub.connection)] else { return }
        let queue = plane.queue(for: state.id)
        for key in track.endedSubgroups
        where sub.streams[key] != nil || (queue?.holds(subscription: sub.requestID, group: key.group, subgroup: key.subgroup) ?? false) {
            sub.endPending[key] = .some(nil)
        }
        requestPump(state)
    }

    private func drainPlan(_ sub: RelayDownstream, track: RelayTrack) {
        guard var plan = sub.plan else { return }
        while let object = plan.next() { enqueue(object, for: sub) }
        sub.plan = plan
    }

    // MARK: Subscriber queues

    /// Hands `object` to `sub`'s queue in the forwarding plane; the pump sends it when the
    /// subscriber's connection can take it.
    private func enqueue(_ object: RelayObject, for sub: RelayDownstream) {
        guard !sub.failed, sub.forwarding, let track = sub.track, let state = subscriberStates[ObjectIdentifier(sub.connection)] else { return }
        if object.subgroup != nil, fastPath?.offloads(sub.connection, requestID: sub.requestID) == true {
            // The fast path mirrors the upstream streams to this subscriber (kernel, or user space
            // from its copy of the upstream streams): nothing to queue here.
            if object.status == .normal {
                stats.objectsOut += 1
                stats.bytesOut += object.payload.count
            }
            return
        }
        _ = plane.forward(object, track: track.name, to: state.id, now: Self.now())
        requestPump(state)
    }

    /// Feeds the queue of `state` later in this loop turn (objects of one burst are queued first,
    /// so the queue orders them by priority).
    func requestPump(_ state: RelaySubscriberSession) {
        guard !state.pumpRequested else { return }
        state.pumpRequested = true
        eventLoop.execute { [weak self] in self?.pump(state) }
    }

    /// Releases what the subscriber's connection can take now (the window from its congestion
    /// state), sends the queue's resets, ends streams whose objects all left, and re-arms the
    /// timer while objects wait.
    private func pump(_ state: RelaySubscriberSession) {
        state.pumpRequested = false
        state.timer?.cancel()
        state.timer = nil
        guard subscriberStates[ObjectIdentifier(state.connection)] === state, !state.connection.session.isClosed else { return }
        let now = Self.now()
        var tooFarBehind = false
        state.connection.performOnLoop { session in
            let core = state.connection.quic.coreOnLoop
            state.pendingResets.removeAll { pending in
                guard core.hasDeliveredData(streamID: pending.stream) || now.seconds(since: pending.since) > Self.pendingResetLimit else { return false }
                try? session.resetSubgroup(streamID: pending.stream, code: pending.code)
                return true
            }
            let allowance = state.congestion.update(core.transportSnapshot(sessionBacklog: session.queuedByteCount), now: now)
            plane.setCongestionBudget(allowance.budget, for: state.id)
            let output = plane.poll(subscriber: state.id, now: now, window: allowance.window)
            stats.droppedByPriority += output.drops.count
            if !output.drops.isEmpty { onDrops?(output.drops, now) }
            for d in output.drops { stats.dropsByReason[d.reason.rawValue, default: 0] += 1 }
            for reset in output.resets { applyReset(reset, state: state, session: session, core: core, now: now) }
            for send in output.sends {
                guard let sub = state.downstreams[send.subscription] else { continue }
                write(send.object, to: sub, session: session)
                if let onQueueDelay, let enqueued = send.enqueuedAt { onQueueDelay(now.seconds(since: enqueued)) }
            }
            let queue = plane.queue(for: state.id)
            state.queueDelay = queue?.oldestEnqueueTime.map { now.seconds(since: $0) } ?? 0
            for sub in Array(state.downstreams.values) {
                for (key, code) in sub.endPending
                where !(queue?.holds(subscription: sub.requestID, group: key.group, subgroup: key.subgroup) ?? false) {
                    sub.endPending[key] = nil
                    guard let stream = sub.streams.removeValue(forKey: key) else { continue }
                    if let code {
                        try? session.resetSubgroup(streamID: stream, code: StreamResetCode(rawValue: code))
                    } else {
                        try? session.endSubgroup(streamID: stream)
                    }
                }
                if let finishing = sub.finishing, !(queue?.holds(subscription: sub.requestID) ?? false) {
                    completeFinish(sub, state: state, code: finishing.code, reason: finishing.reason, session: session)
                }
            }
            tooFarBehind = state.slow.note(queueEmpty: (queue?.queuedCount ?? 0) == 0, anchorDrops: queue?.counters.anchorDrops ?? 0,
                                              window: allowance.window, budget: allowance.budget, now: now, limit: slowSubscriberTimeout)
            let unacknowledged = state.slow.noteAcknowledgements(bytesInFlight: core.bytesInFlight, largestAcknowledged: core.largestAcknowledgedPacket,
                                                                 now: now, limit: slowSubscriberTimeout)
            tooFarBehind = tooFarBehind || unacknowledged
        }
        if tooFarBehind {
            cutOff(state, now: now)
            return
        }
        for sub in state.downstreams.values where sub.failed { dropFailed(sub, state: state) }
        let waiting = (plane.queue(for: state.id)?.queuedCount ?? 0) > 0 || !state.pendingResets.isEmpty
        if waiting, subscriberStates[ObjectIdentifier(state.connection)] === state {
            state.timer = eventLoop.scheduleTask(in: Self.pumpInterval) { [weak self] in self?.pump(state) }
        }
    }

    /// Ends a subscriber that stayed behind (`slowSubscriberTimeout`): PUBLISH_DONE TOO_FAR_BEHIND
    /// on each subscription, its open subgroup streams reset TOO_FAR_BEHIND, then the session
    /// closed with INTERNAL_ERROR; `sessionClosed` frees the rest.
    private func cutOff(_ state: RelaySubscriberSession, now: RelayTime) {
        let connection = state.connection
        let behind = state.slow.behindSince.map { now.seconds(since: $0) } ?? 0
        let queued = plane.queue(for: state.id).map { ($0.queuedCount, $0.queuedBytes) } ?? (0, 0)
        stats.slowSubscribersClosed += 1
        let unacknowledged = state.slow.secondsUnacknowledged(at: now)
        let why = unacknowledged >= (slowSubscriberTimeout ?? .infinity)
            ? "too far behind: the subscriber has acknowledged nothing for \(String(format: "%.1f", unacknowledged)) s with data in flight to it"
            : "too far behind: the subscriber has lost its groups' most important objects for \(String(format: "%.1f", behind)) s (\(state.slow.anchorDropsBehind) dropped)"
        log?("moq-relay: \(sessionLabel(connection)) \(why), \(queued.0) objects / \(queued.1) bytes queued; its subscriptions end with PUBLISH_DONE TOO_FAR_BEHIND and the session is closed (INTERNAL_ERROR)")
        connection.performOnLoop { session in
            for sub in state.downstreams.values {
                for stream in sub.streams.values { try? session.resetSubgroup(streamID: stream, code: .tooFarBehind) }
                sub.streams.removeAll()
                sub.endPending.removeAll()
                try? session.publishDone(sub.requestID, code: .tooFarBehind, reason: "subscriber too far behind")
            }
            session.close(code: .internalError, reason: why)
        }
    }

    /// Resets (RESET_STREAM with the drop's code) a subgroup stream the queue dropped; a stream
    /// never opened is opened for it, so the subscriber sees which group the drop hit. A stream
    /// whose first bytes are not acknowledged yet is reset once they are (the subscriber can
    /// attribute a reset only to a stream whose header it got; QUIC discards the rest on reset).
    private func applyReset(_ reset: StreamReset, state: RelaySubscriberSession, session: MoQTSession, core: Connection, now: RelayTime) {
        stats.streamsReset += 1
        guard let sub = state.downstreams[reset.subscription] else { return }
        let key = RelaySubgroupKey(group: reset.group, subgroup: reset.subgroup)
        sub.endPending[key] = nil
        let stream: UInt64
        if let open = sub.streams.removeValue(forKey: key) {
            stream = open
        } else if let opened = try? session.openSubgroup(sub.requestID, groupID: reset.group, subgroupID: .explicit(reset.subgroup),
                                                          publisherPriority: nil, hasProperties: true) {
            stream = opened
        } else {
            return
        }
        if core.hasDeliveredData(streamID: stream) {
            try? session.resetSubgroup(streamID: stream, code: reset.code)
        } else {
            state.pendingResets.append((stream, reset.code, now))
        }
    }

    /// Writes one object on `sub`'s stream of its subgroup (opened on first use), or sends it as a
    /// datagram when it came as one.
    private func write(_ object: RelayObject, to sub: RelayDownstream, session: MoQTSession) {
        guard !sub.failed, let trackObject = try? object.trackObject() else { return }
        guard let subgroup = object.subgroup else {
            sendDatagram(object, trackObject, to: sub, session: session)
            return
        }
        let key = RelaySubgroupKey(group: object.group, subgroup: subgroup)
        do {
            let stream: UInt64
            if let s = sub.streams[key] {
                stream = s
            } else {
                stream = try session.openSubgroup(sub.requestID, groupID: object.group, subgroupID: .explicit(subgroup),
                                                  publisherPriority: object.publisherPriority, hasProperties: true)
                sub.streams[key] = stream
            }
            if object.status == .normal {
                try session.writeObject(streamID: stream, objectID: object.objectID, properties: trackObject.properties, payload: object.payload)
                stats.objectsOut += 1
                stats.bytesOut += object.payload.count
            } else {
                try session.writeObjectStatus(streamID: stream, objectID: object.objectID, status: object.status)
            }
        } catch {
            sub.failed = true
            log?("moq-relay: dropping a subscriber: \(error)")
        }
    }

    /// Sends a datagram object downstream. One the subscriber's connection cannot take (it offered
    /// no DATAGRAM support, or the object does not fit its max_datagram_frame_size) is lost, as
    /// datagrams may be, and counted under `drops_by_reason.datagram_unsent`.
    private func sendDatagram(_ object: RelayObject, _ trackObject: TrackObject, to sub: RelayDownstream, session: MoQTSession) {
        let content: Draft18.ObjectDatagram.Content = object.status == .normal ? .payload(object.payload) : .status(object.status)
        do {
            try session.sendObjectDatagram(sub.requestID, groupID: object.group, objectID: object.objectID,
                                           publisherPriority: object.publisherPriority,
                                           properties: object.status == .normal ? trackObject.properties : [], content: content)
            if object.status == .normal {
                stats.objectsOut += 1
                stats.bytesOut += object.payload.count
            }
        } catch {
            stats.dropsByReason["datagram_unsent", default: 0] += 1
        }
    }

    /// PUBLISH_DONE for a subscription whose track ended, once its queue is drained.
    private func completeFinish(_ sub: RelayDownstream, state: RelaySubscriberSession, code: PublishDoneCode, reason: String,
                                session: MoQTSession) {
        for stream in sub.streams.values { try? session.endSubgroup(streamID: stream) }
        sub.streams.removeAll()
        sub.endPending.removeAll()
        try? session.publishDone(sub.requestID, code: code, reason: reason)
        detach(sub, state: state)
        if let track = sub.track { releaseAlias(sub.connection, track: track) }
    }

    func detach(_ sub: RelayDownstream, state: RelaySubscriberSession) {
        if let track = sub.track { plane.detach(subscriber: state.id, track: track.name) }
        state.downstreams[sub.requestID] = nil
    }

    private func dropFailed(_ sub: RelayDownstream, state: RelaySubscriberSession) {
        detach(sub, state: state)
        guard let track = sub.track else { return }
        track.subscribers.removeAll { $0 === sub }
        releaseAlias(sub.connection, track: track)
        retireIfUnused(track)
    }

    private func removeDownstream(_ connection: MoQTConnection, _ requestID: UInt64) {
        fastPath?.subscriptionEnded(connection, requestID: requestID)
        if let state = subscriberStates[ObjectIdentifier(connection)], let sub = state.downstreams[requestID] {
            detach(sub, state: state)
        }
        for track in Array(tracks.values) {
            let before = track.subscribers.count + track.pending.count + track.offers.count
            track.subscribers.removeAll { $0.connection === connection && $0.requestID == requestID }
            track.pending.removeAll { $0.connection === connection && $0.requestID == requestID }
            track.offers.removeAll { $0.connection === connection && $0.requestID == requestID }
            if before != track.subscribers.count + track.pending.count + track.offers.count {
                releaseAlias(connection, track: track)
                retireIfUnused(track)
                updateUpstreamForwarding(track)
            }
        }
    }

    func releaseAlias(_ connection: MoQTConnection, track: RelayTrack) {
        let id = ObjectIdentifier(connection)
        guard var allocator = aliases[id] else { return }
        _ = allocator.release(track: track.name)
        aliases[id] = allocator
    }

    /// Unsubscribes upstream when the last subscriber of `track` left.
    func retireIfUnused(_ track: RelayTrack) {
        guard track.subscribers.isEmpty, track.pending.isEmpty, track.offers.isEmpty, tracks[track.name] === track, !track.published else { return }
        if !track.upstream.session.isClosed {
            try? track.upstream.performOnLoop { try $0.unsubscribe(track.upstreamRequestID) }
            log?("moq-relay: last subscriber of \(String(decoding: track.name.name, as: UTF8.self)) left, unsubscribed upstream")
        }
        removeTrack(track)
    }

    private func removeTrack(_ track: RelayTrack) {
        guard tracks[track.name] === track else { return }
        tracks[track.name] = nil
        upstreamRequests[UpstreamKey(connection: ObjectIdentifier(track.upstream), requestID: track.upstreamRequestID)] = nil
        retiredCache.hits += track.cache.stats.hits
        retiredCache.misses += track.cache.stats.misses
        retiredCache.evictions += track.cache.stats.evictions
    }

    private func sessionClosed(_ connection: MoQTConnection) {
        let id = ObjectIdentifier(connection)
        log?("moq-relay: \(sessionLabel(connection)) closed: \(connection.closeDescription ?? "closed")")
        aliases[id] = nil
        subscriberSessions.remove(id)
        openSessions.remove(id)
        let onFastPath = fastPath?.serves(connection) == true
        fastPath?.connectionClosed(connection)
        if let state = subscriberStates.removeValue(forKey: id) {
            if !onFastPath { stats.packetsUserSpace += connection.quic.coreOnLoop.stats.packetsSent }
            stats.ackFramesReceived += connection.quic.coreOnLoop.ackFramesReceived
            state.timer?.cancel()
            plane.detach(subscriber: state.id, track: nil)
        }
        let withdrawn = namespaces.filter { $0.value === connection }.map(\.key)
        namespaces = namespaces.filter { $0.value !== connection }
        announcements = announcements.filter { $0.key.connection != id }
        namespaceSubscriptions = namespaceSubscriptions.filter { $0.key.connection != id }
        trackInterests = trackInterests.filter { $0.key.connection != id }
        offered = offered.filter { $0.key.connection != id }
        rendezvous = rendezvous.filter { $0.key.connection != id }
        for ns in withdrawn { notifyNamespaceSubscribers(ns, done: true) }
        let upstreamLost = connection === upstreamRelay
        if connection === upstreamRelay {
            // What the upstream relay reported is gone with it.
            let reported = upstreamNamespaces.filter { namespaces[$0] == nil }
            upstreamNamespaces.removeAll()
            upstreamNamespaceInterest.removeAll()
            upstreamTrackInterest.removeAll()
            for ns in reported { notifyNamespaceSubscribers(ns, done: true) }
        }
        for track in Array(tracks.values) {
            if track.upstream === connection {
                finishTrack(track, code: .goingAway, reason: upstreamLost ? "upstream relay lost" : "publisher went away")
                continue
            }
            let before = track.subscribers.count + track.pending.count + track.offers.count
            track.subscribers.removeAll { $0.connection === connection }
            track.pending.removeAll { $0.connection === connection }
            track.offers.removeAll { $0.connection === connection }
            if before != track.subscribers.count + track.pending.count + track.offers.count {
                retireIfUnused(track)
                updateUpstreamForwarding(track)
            }
        }
        if upstreamLost {
            upstreamRelay = nil
            reconnectUpstream(lost: connection.closeDescription ?? "closed")
        }
    }

    /// Another session announced `namespace`, which `old` served: the new announcement takes over
    /// (typically a publisher that restarted before its old session timed out), so the tracks `old`
    /// served under it end now with PUBLISH_DONE GOING_AWAY -- their subscribers may subscribe again
    /// and reach the new publisher -- instead of staying on a session that may be dead.
    private func publisherReplaced(_ old: MoQTConnection, namespace: TrackNamespace) {
        for track in Array(tracks.values) where track.upstream === old && !track.published && track.name.namespace.hasPrefix(namespace) {
            if !old.session.isClosed { try? old.performOnLoop { try $0.unsubscribe(track.upstreamRequestID) } }
            log?("moq-relay: \(namespace) announced by another session: track \(String(decoding: track.name.name, as: UTF8.self)) of the previous publisher ends")
            finishTrack(track, code: .goingAway, reason: "publisher replaced")
        }
    }

    // MARK: PUBLISH and namespace interest

    /// A publisher pushes a track (PUBLISH): accepted with FORWARD 1 and relayed like a
    /// subscribed track, cached from its first object whether or not anyone subscribed yet.
    private func handlePublish(_ connection: MoQTConnection, _ requestID: UInt64, _ publish: Draft18.Publish) {
        if connection === upstreamRelay, let old = tracks[publish.track], !old.upstream.session.isClosed {
            // The upstream relay offers a track (our SUBSCRIBE_TRACKS) this relay already relays.
            try? connection.session.reject(requestID, code: .duplicateSubscription, reason: "track already relayed here")
            return
        }
        do {
            try connection.session.acceptPublish(requestID, forward: true)
        } catch {
            log?("moq-relay: accepting PUBLISH failed: \(error)")
            return
        }
        if let old = tracks[publish.track] { finishTrack(old, code: .goingAway, reason: "track published anew") }
        let track = RelayTrack(name: publish.track, upstream: connection, upstreamRequestID: requestID, cache: cacheConfiguration)
        track.upstreamAlias = publish.trackAlias
        track.upstreamLargest = publish.parameters.largestObject
        track.isEstablished = true
        track.published = true
        tracks[publish.track] = track
        upstreamRequests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] = track
        log?("moq-relay: track \(publish.track) published")
        notifyNamespaceSubscribers(publish.track.namespace, done: false)
        offerToInterested(track)
    }

    /// SUBSCRIBE_NAMESPACE: REQUEST_OK, then NAMESPACE for every announced namespace under the
    /// prefix now and later (NAMESPACE_DONE when withdrawn). With an upstream relay the interest
    /// is forwarded there too.
    private func handleSubscribeNamespace(_ connection: MoQTConnection, _ requestID: UInt64, _ prefix: TrackNamespace) {
        do { try connection.session.accept(requestID) } catch { return }
        namespaceSubscriptions[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] = (connection, prefix)
        var sent = Set<TrackNamespace>()
        for ns in Array(namespaces.keys) + tracks.values.filter(\.published).map(\.name.namespace) + Array(upstreamNamespaces)
        where ns.hasPrefix(prefix) && sent.insert(ns).inserted {
            try? connection.session.sendNamespace(requestID, suffix: ns.suffix(after: prefix) ?? ns)
        }
        if let up = upstreamRelay, up !== connection, !up.session.isClosed, upstreamNamespaceInterest[prefix] == nil,
           let id = try? up.performOnLoop({ try $0.subscribeNamespace(prefix) }) {
            upstreamNamespaceInterest[prefix] = id
        }
    }

    func notifyNamespaceSubscribers(_ namespace: TrackNamespace, done: Bool) {
        if !done {
            for (key, waiting) in rendezvous where waiting.subscribe.track.namespace.hasPrefix(namespace) {
                rendezvous[key] = nil
                if !waiting.connection.session.isClosed { handleSubscribe(waiting.connection, key.requestID, waiting.subscribe) }
            }
        }
        for (key, sub) in namespaceSubscriptions where namespace.hasPrefix(sub.prefix) {
            guard !sub.connection.session.isClosed else { continue }
            let suffix = namespace.suffix(after: sub.prefix) ?? namespace
            try? sub.connection.performOnLoop { session in
                if done {
                    try session.sendNamespaceDone(key.requestID, suffix: suffix)
                } else {
                    try session.sendNamespace(key.requestID, suffix: suffix)
                }
            }
        }
    }

    // MARK: FETCH

    /// Answers a FETCH from the cache; the spans it lacks are fetched from the track's upstream
    /// (publisher or upstream relay) first, and the answer goes out once they are in.
    private func handleFetch(_ connection: MoQTConnection, _ requestID: UInt64, _ fetch: Draft18.Fetch) {
        let order = fetch.parameters.groupOrder ?? .ascending
        let name: FullTrackName
        let span: FetchSpan
        switch fetch.range {
        case .standalone(let track, let start, let end):
            name = track
            // A draft-22 FETCH without an end asks up to the largest object: no further, so the
            // cache does not see the groups after it as missing and ask upstream for them.
            let largest = end == Draft22.openEnd ? tracks[track]?.largestKnown : nil
            span = largest.map { FetchSpan(start: start, endGroup: $0.group, endObject: $0.object) } ?? FetchSpan(start: start, wireEnd: end)
        case .relativeJoining(let joined, let back), .absoluteJoining(let joined, let back):
            guard let sub = subscriberStates[ObjectIdentifier(connection)]?.downstreams[joined], let track = sub.track,
                  let largest = track.cache.largestLocation else {
                try? connection.session.reject(requestID, code: .invalidJoiningRequestID, reason: "no such subscription with objects")
                return
            }
            name = track.name
            if case .relativeJoining = fetch.range {
                span = .relativeJoining(groupsBack: back, largest: largest)
            } else {
                span = .absoluteJoining(startGroup: back, largest: largest)
            }
        }
        let track = tracks[name]
        if case .standalone = fetch.range, let track, track.isEstablished {
            // §10.12.3: no object published yet, or a start beyond the Largest Object, is INVALID_RANGE.
            guard let largest = track.largestKnown else {
                try? connection.session.reject(requestID, code: .invalidRange, reason: "no object published in the track yet")
                return
            }
            guard span.start <= largest else {
                try? connection.session.reject(requestID, code: .invalidRange, reason: "start \(span.start) is beyond the largest object \(largest)")
                return
            }
        }
        var cache = track?.cache ?? TrackCache(configuration: cacheConfiguration)
        let answer = cache.fetch(span, order: order)
        if let track { track.cache = cache } else { retiredCache.misses += 1 }  // nothing of the track here
        var assembly = FetchAssembly(span: span, order: order, cached: answer)
        let upstream = track?.upstream ?? route(name.namespace)
        let f = RelayFetch(connection: connection, requestID: requestID, track: name, assembly: assembly, upstream: upstream)
        if let upstream, upstream !== connection, !answer.missing.isEmpty {
            for gap in answer.missing {
                let end = Location(group: gap.endGroup, object: gap.endObject.map { $0 + 1 } ?? 0)
                if let id = try? upstream.performOnLoop({ try $0.fetch(name, start: gap.start, end: end, groupOrder: .ascending) }) {
                    assembly.expect(id)
                    // Groups the span covers to their end: complete in the cache once the FETCH ended.
                    if gap.endObject == nil {
                        f.groupsToTheirEnd[id] = gap.start.group...max(gap.start.group, gap.endGroup)
                    } else if gap.endGroup > gap.start.group {
                        f.groupsToTheirEnd[id] = gap.start.group...(gap.endGroup - 1)
                    }
                    upstreamFetches[UpstreamKey(connection: ObjectIdentifier(upstream), requestID: id)] = f
                }
            }
            f.assembly = assembly
            if !assembly.isComplete {
                // An upstream that never answers must not hold the FETCH forever.
                eventLoop.scheduleTask(in: Self.upstreamFetchTimeout) { [weak self] in
                    guard let self, !f.answered else { return }
                    self.upstreamFetches = self.upstreamFetches.filter { $0.value !== f }
                    self.answerFetch(f)
                }
            }
        }
        if f.assembly.isComplete {
            if answer.objects.isEmpty && track == nil {
                try? connection.session.reject(requestID, code: .doesNotExist, reason: "no such track here or upstream")
                return
            }
            answerFetch(f)
        }
    }

    // MARK: TRACK_STATUS

    /// Answers TRACK_STATUS (§10.14) as a SUBSCRIBE would be: REQUEST_OK with LARGEST_OBJECT for a
    /// track relayed here; forwarded to the publisher of its namespace (its answer passed on, or
    /// TIMEOUT if none comes); DOES_NOT_EXIST when nobody publishes the namespace.
    private func handleTrackStatus(_ connection: MoQTConnection, _ requestID: UInt64, _ status: Draft18.TrackStatus) {
        let name = status.track
        log?("moq-relay: TRACK_STATUS \(name) request \(requestID)")
        if let track = tracks[name], track.isEstablished {
            var parameters = MessageParameters()
            parameters.largestObject = track.largestKnown
            try? connection.session.accept(requestID, parameters: parameters)
            return
        }
        guard let upstream = route(name.namespace), upstream !== connection else {
            try? connection.session.reject(requestID, code: .doesNotExist, reason: "no publisher for namespace \(name.namespace)")
            return
        }
        do {
            let id = try upstream.performOnLoop { try $0.trackStatus(name) }
            let key = UpstreamKey(connection: ObjectIdentifier(upstream), requestID: id)
            upstreamTrackStatus[key] = (connection, requestID)
            eventLoop.scheduleTask(in: Self.upstreamFetchTimeout) { [weak self] in
                guard let self, let d = self.upstreamTrackStatus.removeValue(forKey: key) else { return }
                try? d.connection.performOnLoop { try $0.reject(d.requestID, code: .timeout, reason: "no TRACK_STATUS answer from upstream") }
            }
        } catch {
            try? connection.session.reject(requestID, code: .internalError, reason: "upstream TRACK_STATUS failed: \(error)")
        }
    }

    private func upstreamFetchEnded(_ connection: MoQTConnection, _ requestID: UInt64, completed: Bool = false) {
        guard let f = upstreamFetches.removeValue(forKey: UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)) else { return }
        if completed, let groups = f.groupsToTheirEnd[requestID], let track = tracks[f.track] {
            // A FETCH answers everything its range holds: those groups are complete here now.
            // Never the latest group, which may still be growing live.
            for g in track.cache.cachedGroupIDs where groups.contains(g) && g < (track.cache.latestGroupID ?? 0) {
                track.cache.markGroupComplete(g)
            }
        }
        if f.assembly.ended(requestID) { answerFetch(f) }
    }

    /// FETCH_OK and the fetch stream with every gathered object, then FIN.
    private func answerFetch(_ f: RelayFetch) {
        guard !f.answered else { return }
        f.answered = true
        let objects = f.assembly.result
        let span = f.assembly.span
        let end = objects.map(\.location).max() ?? span.start
        try? f.connection.performOnLoop { session in
            let stream = try session.acceptFetch(f.requestID, endOfTrack: false, endLocation: Location(group: max(end.group, span.start.group), object: end.object))
            // Status objects (end of group or track) have no form on a fetch stream (§11.2.1.1).
            for o in objects where o.status == .normal {
                let t = try o.trackObject()
                try session.writeFetchItem(streamID: stream, .object(Draft18.FetchObject(
                    location: o.location, forwarding: o.forwarding, publisherPriority: o.publisherPriority,
                    properties: t.properties, payload: o.payload, status: o.status)))
            }
            try session.endFetch(streamID: stream)
        }
    }

    // MARK: Upstream

    private func upstreamEstablished(_ track: RelayTrack, alias: UInt64) {
        track.upstreamAlias = alias
        log?("moq-relay: upstream SUBSCRIBE_OK alias \(alias), \(track.pending.count) waiting")
        track.isEstablished = true
        let waiting = track.pending
        track.pending.removeAll()
        for sub in waiting where !sub.connection.session.isClosed { accept(sub, on: track) }
        offerToInterested(track)
    }

    private func upstreamFailed(_ track: RelayTrack, code: RequestErrorCode, reason: String) {
        for sub in track.pending where !sub.connection.session.isClosed {
            try? sub.connection.performOnLoop { try $0.reject(sub.requestID, code: code, reason: reason) }
        }
        track.pending.removeAll()
        removeTrack(track)
    }

    private func upstreamObject(_ track: RelayTrack, _ received: MoQTReceivedObject) {
        let now = Self.now()
        let forwarding: ObjectForwardingPreference = received.subgroupID.map { .subgroup($0) } ?? .datagram
        let trackObject = TrackObject(location: received.location, forwarding: forwarding,
                                      publisherPriority: received.publisherPriority, status: received.status,
                                      properties: received.properties, payload: received.payload)
        let object = RelayObject(trackObject, arrival: now)
        if let stream = received.streamID, let subgroup = received.subgroupID, track.upstreamStreams[stream] == nil {
            track.upstreamStreams[stream] = RelaySubgroupKey(group: received.groupID, subgroup: subgroup)
            track.openStreamsPerGroup[received.groupID, default: 0] += 1
        }
        guard cacheInsert(object, into: track, now: now) == .inserted else { return }
        if received.status == .normal { stats.objectsIn += 1; stats.bytesIn += received.payload.count }
        if received.objectID == 0 {
            completeFinishedGroups(track)
            _ = track.cache.evict(now: now)
            if let oldest = track.cache.oldestGroupID { track.endedSubgroups = track.endedSubgroups.filter { $0.group >= oldest } }
        }
        for sub in track.subscribers where !sub.failed && sub.forwarding {
            guard var plan = sub.plan else { continue }
            let decision = plan.receiveLive(object)
            sub.plan = plan
            switch decision {
            case .forward:
                enqueue(object, for: sub)
            case .queued:
                drainPlan(sub, track: track)
            case .duplicate, .beforeStart: break
            }
        }
    }

    private func upstreamSubgroupEnded(_ track: RelayTrack, streamID: UInt64, group: UInt64, subgroup: UInt64?, resetCode: UInt64?) {
        guard let key = track.upstreamStreams.removeValue(forKey: streamID)
            ?? subgroup.map({ RelaySubgroupKey(group: group, subgroup: $0) }) else { return }
        track.endedSubgroups.insert(key)
        if let n = track.openStreamsPerGroup[key.group] {
            track.openStreamsPerGroup[key.group] = max(n - 1, 0)
            if resetCode != nil { track.openStreamsPerGroup[key.group] = nil }  // a reset group is never complete
            completeFinishedGroups(track)
        }
        for sub in track.subscribers where sub.forwarding {
            guard let state = subscriberStates[ObjectIdentifier(sub.connection)] else { continue }
            sub.endPending[key] = .some(resetCode)
            requestPump(state)
        }
    }

    /// Marks complete in the cache every group whose upstream streams all ended with FIN, once a
    /// later group has begun (so no subgroup of it can still be on its way).
    private func completeFinishedGroups(_ track: RelayTrack) {
        guard let latest = track.cache.largestLocation?.group else { return }
        for (group, open) in track.openStreamsPerGroup where open == 0 && group < latest {
            track.cache.markGroupComplete(group)
            track.openStreamsPerGroup[group] = nil
        }
        // Forget groups the cache no longer holds.
        if let oldest = track.cache.oldestGroupID {
            for group in track.openStreamsPerGroup.keys where group < oldest { track.openStreamsPerGroup[group] = nil }
        }
    }

    /// The track ended upstream: each subscriber gets PUBLISH_DONE (with its own stream count)
    /// once what its queue holds of the track has left; waiting subscribers are refused.
    private func finishTrack(_ track: RelayTrack, code: PublishDoneCode, reason: String) {
        for sub in track.pending where !sub.connection.session.isClosed {
            try? sub.connection.performOnLoop { try $0.reject(sub.requestID, code: .doesNotExist, reason: reason) }
        }
        for sub in track.subscribers where !sub.connection.session.isClosed {
            sub.finishing = (code, reason)
            if let state = subscriberStates[ObjectIdentifier(sub.connection)] { requestPump(state) }
        }
        for offer in track.offers where !offer.connection.session.isClosed {
            offered[UpstreamKey(connection: ObjectIdentifier(offer.connection), requestID: offer.requestID)] = nil
            try? offer.connection.performOnLoop { try $0.publishDone(offer.requestID, code: code, reason: reason) }
            releaseAlias(offer.connection, track: track)
        }
        track.subscribers.removeAll()
        track.pending.removeAll()
        track.offers.removeAll()
        removeTrack(track)
        log?("moq-relay: track \(String(decoding: track.name.name, as: UTF8.self)) ended")
    }

    /// Closes every session.
    public func closeAll() async {
        let sessions: [MoQTConnection] = (try? await eventLoop.submit { () -> [MoQTConnection] in
            self.shuttingDown = true
            var all = Set<ObjectIdentifier>()
            var list: [MoQTConnection] = []
            for t in self.tracks.values {
                for c in [t.upstream] + t.subscribers.map(\.connection) + t.pending.map(\.connection)
                where all.insert(ObjectIdentifier(c)).inserted { list.append(c) }
            }
            for c in self.namespaces.values where all.insert(ObjectIdentifier(c)).inserted { list.append(c) }
            for s in self.subscriberStates.values where all.insert(ObjectIdentifier(s.connection)).inserted { list.append(s.connection) }
            return list
        }.get()) ?? []
        for s in sessions { await s.close(code: .noError, reason: "relay shutting down") }
        if let up = try? await eventLoop.submit({ (self.upstreamRelay, self.upstreamEndpoint) }).get() {
            if let session = up.0 { await session.close(code: .noError, reason: "relay shutting down") }
            await up.1?.close()
        }
    }

    // MARK: Inspection (tests, metrics)

    /// Per-subscriber queue counters and the current queue delay, keyed by the plane's subscriber ID.
    func queueSnapshots() -> [(id: UInt64, counters: QueueCounters, queuedBytes: Int, delay: Double)] {
        subscriberStates.values.compactMap { s in
            plane.queue(for: s.id).map { (s.id, $0.counters, $0.queuedBytes, s.queueDelay) }
        }
    }
}
