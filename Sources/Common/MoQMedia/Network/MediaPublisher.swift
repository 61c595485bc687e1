import Foundation
import Media
import MoQT
import MoQTNet
import NIOCore
import QUICIO

/// Publishes a video file as a MoQ track to every subscriber of the sessions it handles: one
/// group per GOP, one subgroup stream per frame class per group (or per frame), LOC objects with
/// the capture TIMESTAMP property, paced in real time, an END_OF_GROUP status object closing every
/// group, PUBLISH_DONE after the clip. Also serves the catalog track. Each audio track of the input
/// (AAC, Opus; `MediaPublisherOptions.publishAudio`) is a track of its own: one LOC object per audio
/// frame, its groups following the video's (`AudioPacketizer`), one subgroup stream per group at
/// the audio priority, paced on the same timeline as the video.
///
/// Live input (standard input, a URL) is read on a thread of its own from the first announce on,
/// whether anyone subscribed or not, and each object goes to the subscribers of that moment as
/// soon as its frame arrives (no pacing): frames nobody subscribed to are dropped, never queued,
/// and a new subscriber starts at the next keyframe. The stream ends when the input does.
///
/// All state lives on the QUIC endpoint's event loop; the handler callbacks and the pacing timer
/// run there.
public final class MediaPublisher: MoQTSessionHandler, @unchecked Sendable {
    /// One accepted subscription to the video track.
    final class Subscription {
        let connection: MoQTConnection
        let requestID: UInt64
        /// The track: nil for the video, else an index into the source's audio tracks.
        let audioTrack: Int?
        /// The first group sent to this subscriber (a subscriber joins at a group start).
        var startGroup: UInt64?
        var group: UInt64?
        var objectsInGroup: UInt64 = 0
        /// Open subgroup streams of the current group, by subgroup ID.
        var streams: [UInt64: UInt64] = [:]
        /// Subgroups of the current group the subscriber stopped (STOP_SENDING): the rest of
        /// them is not sent (a subgroup lives on one stream; reopening it would duplicate it).
        var stoppedSubgroups: Set<UInt64> = []
        var failed = false

        init(connection: MoQTConnection, requestID: UInt64, audioTrack: Int? = nil) {
            self.connection = connection
            self.requestID = requestID
            self.audioTrack = audioTrack
        }
    }

    public let options: MediaPublisherOptions
    private let source: MediaObjectSource
    private let catalogBytes: [UInt8]
    private let namespace: TrackNamespace
    private var subscriptions: [Subscription] = []
    private let eventLoop: EventLoop
    private var started = false
    private var finished = false
    private var pending: SourceObject?
    private var origin: (monotonicMicros: UInt64, wallMicros: UInt64, dts: Int64)?
    private var timer: Scheduled<Void>?
    /// Starts the clip for a subscriber of audio only (no video subscription came).
    private var audioStartTimer: Scheduled<Void>?
    static let audioOnlyStartDelay: TimeAmount = .milliseconds(500)
    private var doneWaiters: [CheckedContinuation<Void, Never>] = []
    /// Waiters for the end of the clip or of one session (`waitUntilDone(or:)`).
    private var sessionWaiters: [(connection: MoQTConnection, continuation: CheckedContinuation<RunOutcome, Never>)] = []
    private var announceWaiters: [UInt64: CheckedContinuation<Void, Error>] = [:]
    /// Objects sent (counted once per object, not per subscriber).
    public private(set) var objectsPublished = 0
    /// The largest location sent so far (video).
    public private(set) var largest: Location?
    /// The names of the audio tracks published, in the source's order (empty without audio).
    public let audioTrackNames: [String]
    /// The largest location sent so far per audio track.
    private var audioLargest: [Location?]
    /// Audio objects sent per audio track (counted once per object).
    public private(set) var audioObjectsPublished: [Int]
    /// The objects of each audio track's current group sent so far (at most `maxCurrentAudioGroup`).
    private var currentAudioGroup: [[MediaObject]]
    /// The largest location of each audio track before its current group began.
    private var audioLargestBeforeGroup: [Location?]
    static let maxCurrentAudioGroup = 3000
    /// Called on the event loop for progress lines (one per group).
    public var progress: ((String) -> Void)?
    /// True for live input (standard input, a URL).
    public let isLive: Bool
    /// Live input: objects read while nobody was subscribed (dropped).
    public private(set) var objectsWithoutSubscriber = 0
    /// Live input: time from a frame's arrival (read from the input) to its object being sent, µs.
    public private(set) var inputToSendMicroseconds: [Int64] = []

    /// Opens `file` for publishing on the sessions of an endpoint whose event loop is `eventLoop`.
    public convenience init(file: String, options: MediaPublisherOptions, eventLoop: EventLoop) throws(MediaError) {
        try self.init(input: .file(file), options: options, eventLoop: eventLoop)
    }

    /// Opens `input` (a file, standard input or a URL) for publishing on the sessions of an
    /// endpoint whose event loop is `eventLoop`.
    public init(input: MediaInput, options: MediaPublisherOptions, eventLoop: EventLoop) throws(MediaError) {
        self.options = options
        self.eventLoop = eventLoop
        isLive = input.isLive
        source = try MediaObjectSource(input: input, priorities: options.priorities, loop: options.loop,
                                       readTimeoutMicroseconds: options.inputTimeout.map { Int64($0 * 1_000_000) },
                                       includeAudio: options.publishAudio, audioPriority: options.audioPriority)
        audioTrackNames = MediaObjectSource.audioTrackNames(base: options.audioTrackName, count: source.audioTracks.count)
        audioLargest = Array(repeating: nil, count: source.audioTracks.count)
        audioObjectsPublished = Array(repeating: 0, count: source.audioTracks.count)
        currentAudioGroup = Array(repeating: [], count: source.audioTracks.count)
        audioLargestBeforeGroup = Array(repeating: nil, count: source.audioTracks.count)
        catalogBytes = source.catalog(trackName: options.trackName, audioTrackNames: audioTrackNames).encoded()
        namespace = TrackNamespace(strings: options.namespace)
    }

    /// Announces the namespace on `connection` (PUBLISH_NAMESPACE) and waits for REQUEST_OK.
    public func announce(on connection: MoQTConnection) async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            eventLoop.execute {
                do {
                    var parameters = MessageParameters()
                    if let t = self.options.authorizationToken { parameters.authorizationTokens = [.useValue(type: 0, value: t)] }
                    let id = try connection.performOnLoop { try $0.publishNamespace(self.namespace, parameters: parameters) }
                    self.announceWaiters[id] = c
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
        if !options.waitForSubscriber || isLive { await startNow() }
    }

    /// Starts the clip now (live mode, `--no-wait`).
    public func startNow() async {
        try? await eventLoop.submit { self.start() }.get()
    }

    /// Waits until the whole clip was sent and PUBLISH_DONE went out (never, when looping).
    public func waitUntilDone() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            eventLoop.execute {
                if self.finished { c.resume() } else { self.doneWaiters.append(c) }
            }
        }
    }

    /// How publishing on one session ended.
    public enum RunOutcome: Sendable, Equatable {
        /// The whole clip was sent.
        case done
        /// The session closed first, for this reason.
        case sessionClosed(String)
    }

    /// Waits until the clip was sent or `connection`'s session closed, whichever comes first.
    public func waitUntilDone(or connection: MoQTConnection) async -> RunOutcome {
        await withCheckedContinuation { (c: CheckedContinuation<RunOutcome, Never>) in
            eventLoop.execute {
                if self.finished { c.resume(returning: .done) }
                else if let why = connection.closeDescription { c.resume(returning: .sessionClosed(why)) }
                else { self.sessionWaiters.append((connection, c)) }
            }
        }
    }

    // MARK: Session events

    public func moqtConnection(_ connection: MoQTConnection, didReceive event: MoQTSessionEvent) {
        switch event {
        case .subscribeRequested(let requestID, let subscribe):
            handleSubscribe(connection, requestID, subscribe)
        case .fetchRequested(let requestID, let fetch):
            handleFetch(connection, requestID, fetch)
        case .requestOK(let requestID, _):
            announceWaiters.removeValue(forKey: requestID)?.resume()
        case .requestError(let requestID, let error):
            announceWaiters.removeValue(forKey: requestID)?.resume(throwing: MediaPublishError.refused(
                request: "PUBLISH_NAMESPACE", code: error.code, reason: error.reason))
        case .requestCancelled(let requestID, _):
            subscriptions.removeAll { $0.connection === connection && $0.requestID == requestID }
        case .subscribeNamespaceRequested(let requestID, let request):
            // A subscriber discovering what we publish (moq-rs does this first): answer with our
            // namespace when it falls under the prefix, with nothing otherwise.
            do {
                try connection.session.accept(requestID)
                if let suffix = namespace.suffix(after: request.prefix) {
                    try connection.session.sendNamespace(requestID, suffix: suffix)
                }
            } catch {
                progress?("moq-pub: SUBSCRIBE_NAMESPACE not answered: \(error)")
            }
        case .dataStreamStopped(let streamID, _):
            // The subscriber no longer wants that subgroup (the session already reset the stream).
            for sub in subscriptions where sub.connection === connection {
                if let (subgroup, _) = sub.streams.first(where: { $0.value == streamID }) {
                    sub.streams[subgroup] = nil
                    sub.stoppedSubgroups.insert(subgroup)
                }
            }
        case .closed:
            subscriptions.removeAll { $0.connection === connection }
            let why = connection.closeDescription ?? "closed"
            for w in sessionWaiters where w.connection === connection { w.continuation.resume(returning: .sessionClosed(why)) }
            sessionWaiters.removeAll { $0.connection === connection }
            for (_, w) in announceWaiters { w.resume(throwing: MoQTNetError.sessionClosed(code: .internalError, reason: "closed")) }
            announceWaiters.removeAll()
        default:
            break
        }
    }

    private func handleSubscribe(_ connection: MoQTConnection, _ requestID: UInt64, _ subscribe: Draft18.Subscribe) {
        let session = connection.session
        guard subscribe.track.namespace == namespace else {
            try? session.reject(requestID, code: .doesNotExist, reason: "unknown namespace")
            return
        }
        let name = String(decoding: subscribe.track.name, as: UTF8.self)
        do {
            if name == MediaCatalog.trackName {
                try session.acceptSubscribe(requestID)  // no LARGEST_OBJECT: a Largest Object filter then starts at {0,0}
                let stream = try session.openSubgroup(requestID, groupID: 0, publisherPriority: FramePriorities.catalog)
                try session.writeObject(streamID: stream, objectID: 0, payload: catalogBytes)
                try session.endSubgroup(streamID: stream)
            } else if name == options.trackName {
                try session.acceptSubscribe(requestID, largest: largest)
                subscriptions.append(Subscription(connection: connection, requestID: requestID))
                if !started { start() }
            } else if let index = audioTrackNames.firstIndex(of: name) {
                // The subscription starts at the current group, which is replayed below: its
                // LARGEST_OBJECT is the last object before that group, so a Largest Object filter
                // passes the whole group.
                try session.acceptSubscribe(requestID, largest: currentAudioGroup[index].isEmpty
                                            ? audioLargest[index] : audioLargestBeforeGroup[index])
                let sub = Subscription(connection: connection, requestID: requestID, audioTrack: index)
                subscriptions.append(sub)
                // Audio joins at the start of the current group (a video subscriber joins at the
                // next keyframe, or a relay serves it the current group from its cache: either way
                // the audio then reaches back to the video's first keyframe).
                for object in currentAudioGroup[index] {
                    deliver(object, to: sub, subgroupID: 0, layout: .perGroup)
                }
                subscriptions.removeAll { $0.failed }
                // The clip starts with the video's subscription, which a subscriber of both sends
                // right after the audio's (so both get the first group); audio alone starts it later.
                if !started, audioStartTimer == nil {
                    audioStartTimer = eventLoop.scheduleTask(in: Self.audioOnlyStartDelay) { [weak self] in self?.start() }
                }
            } else {
                try session.reject(requestID, code: .doesNotExist, reason: "no track \(name)")
            }
        } catch {
            try? session.reject(requestID, code: .internalError, reason: "\(error)")
        }
    }

    /// Every FETCH gets an answer (draft-18 §10.12): the catalog's one object (0/0) is served; the
    /// video keeps no history here, so fetching it is NOT_SUPPORTED.
    private func handleFetch(_ connection: MoQTConnection, _ requestID: UInt64, _ fetch: Draft18.Fetch) {
        let session = connection.session
        guard case .standalone(let track, let start, _) = fetch.range, track.namespace == namespace,
              String(decoding: track.name, as: UTF8.self) == MediaCatalog.trackName else {
            try? session.reject(requestID, code: .notSupported, reason: "moq-pub serves FETCH of the catalog only")
            return
        }
        let catalogLocation = Location(group: 0, object: 0)
        // The end is exclusive (object 0 = the whole group), so any range starting at 0/0 covers it.
        guard start == catalogLocation else {
            try? session.reject(requestID, code: .doesNotExist, reason: "the catalog is object 0/0 only")
            return
        }
        do {
            let stream = try session.acceptFetch(requestID, endOfTrack: false, endLocation: Location(group: 0, object: 1))
            try session.writeFetchItem(streamID: stream, .object(Draft18.FetchObject(
                location: catalogLocation, forwarding: .subgroup(0), publisherPriority: FramePriorities.catalog,
                payload: catalogBytes)))
            try session.endFetch(streamID: stream)
        } catch {
            try? session.reject(requestID, code: .internalError, reason: "\(error)")
        }
    }

    // MARK: Pacing

    private func start() {
        audioStartTimer?.cancel()
        audioStartTimer = nil
        guard !started else { return }
        started = true
        if isLive { startReader() } else { tick() }
    }

    // MARK: Live input

    /// Reads the live input on a thread of its own (reads block until data arrives) and hands each
    /// object to the event loop as soon as it is read.
    private func startReader() {
        progress?("moq-pub: reading \(source.input) live (demuxer lookahead \(source.demuxerLookahead) frames)")
        let thread = Thread { [self] in
            while true {
                let object: SourceObject?
                do {
                    object = try source.nextLiveMediaObject()
                } catch {
                    eventLoop.execute {
                        self.progress?("moq-pub: read error: \(error)")
                        self.finish()
                    }
                    return
                }
                guard let object else {
                    let why = source.timedOut ? "no data for \(options.inputTimeout ?? 0) s" : "end of input"
                    eventLoop.execute {
                        self.progress?("moq-pub: live input ended (\(why))")
                        self.finish()
                    }
                    return
                }
                let arrival = source.lastArrivalMicroseconds ?? Self.wallMicros()
                eventLoop.execute { self.sendLive(object, arrival: arrival) }
            }
        }
        thread.name = "moq-pub input"
        thread.start()
    }

    /// Sends a live object to the subscribers of this moment (nobody: dropped).
    private func sendLive(_ object: SourceObject, arrival: UInt64) {
        guard !finished else { return }
        let audioTrack: Int?
        if case .audio(let track, _) = object { audioTrack = track } else { audioTrack = nil }
        let subscribed = subscriptions.contains { $0.audioTrack == audioTrack }
        if !subscribed { objectsWithoutSubscriber += 1 }
        send(object)
        if subscribed, inputToSendMicroseconds.count < 1_000_000 {
            inputToSendMicroseconds.append(Int64(Self.wallMicros()) - Int64(arrival))
        }
    }

    /// One line on what the live path added: arrival at moq-pub to the object handed to QUIC.
    private func liveSummary() -> String {
        let sorted = inputToSendMicroseconds.sorted()
        func at(_ q: Double) -> Double {
            sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]) / 1000
        }
        return String(format: "moq-pub: live input: %d objects dropped before a subscriber; input to send p50 %.2f ms p99 %.2f ms max %.2f ms (demuxer lookahead %d frames)",
                      objectsWithoutSubscriber, at(0.5), at(0.99), sorted.last.map { Double($0) / 1000 } ?? 0,
                      source.demuxerLookahead)
    }

    private static func wallMicros() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }

    /// Sends every object that is due, then sleeps until the next one is.
    private func tick() {
        timer = nil
        while !finished {
            if pending == nil {
                do {
                    pending = try source.nextMediaObject { dts in
                        let o = self.originFor(dts: dts)
                        return o.wallMicros &+ UInt64(max(0, dts - o.dts))
                    }
                } catch {
                    progress?("moq-pub: read error: \(error)")
                    pending = nil
                }
                if pending == nil { finish(); return }
            }
            guard let object = pending else { return }
            if options.pacing, let o = origin {
                let due = o.monotonicMicros &+ UInt64(max(0, object.object.frame.dtsMicroseconds - o.dts))
                let now = MonotonicClock.now().nanoseconds / 1_000
                if due > now + 500 {
                    timer = eventLoop.scheduleTask(in: .microseconds(Int64(due - now))) { [weak self] in self?.tick() }
                    return
                }
            }
            pending = nil
            send(object)
        }
    }

    private func originFor(dts: Int64) -> (monotonicMicros: UInt64, wallMicros: UInt64, dts: Int64) {
        if let o = origin { return o }
        let o = (MonotonicClock.now().nanoseconds / 1_000, Self.wallMicros(), dts)
        origin = o
        return o
    }

    private func send(_ sourceObject: SourceObject) {
        let object = sourceObject.object
        let audioTrack: Int?
        let subgroupID: UInt64
        let layout: MediaPublisherOptions.SubgroupLayout
        switch sourceObject {
        case .audio(let track, _):
            // An audio group is one subgroup stream at the audio priority, whatever the video's layout.
            audioTrack = track
            audioObjectsPublished[track] += 1
            if object.objectID == 0 { audioLargestBeforeGroup[track] = audioLargest[track] }
            audioLargest[track] = Location(group: object.groupID, object: object.objectID)
            subgroupID = 0
            layout = .perGroup
        case .video:
            audioTrack = nil
            objectsPublished += 1
            largest = Location(group: object.groupID, object: object.objectID)
            if object.objectID == 0, object.groupID > 0 { progress?("moq-pub: group \(object.groupID), \(objectsPublished) objects sent") }
            let frameClass = object.frame.frameClass
            layout = options.subgroupLayout
            switch layout {
            case .perFrameClass: subgroupID = frameClass == .i ? 0 : frameClass == .p ? 1 : 2
            case .perFrame: subgroupID = object.objectID
            case .perGroup: subgroupID = 0
            }
        }
        if let audioTrack {
            // The current audio group so far, for subscriptions that come in the middle of it.
            if object.objectID == 0 { currentAudioGroup[audioTrack].removeAll() }
            if currentAudioGroup[audioTrack].count < Self.maxCurrentAudioGroup { currentAudioGroup[audioTrack].append(object) }
        }
        for sub in subscriptions where !sub.failed && sub.audioTrack == audioTrack {
            deliver(object, to: sub, subgroupID: subgroupID, layout: layout)
        }
        subscriptions.removeAll { $0.failed }
    }

    /// Writes `object` to one subscription: at its subgroup's stream (opened as needed), after
    /// closing the subscription's previous group; a subscription starts at a group's first object.
    private func deliver(_ object: MediaObject, to sub: Subscription, subgroupID: UInt64,
                     layout: MediaPublisherOptions.SubgroupLayout) {
        let audioTrack = sub.audioTrack
        do {
            try sub.connection.performOnLoop { session in
                if sub.startGroup == nil {
                    guard object.objectID == 0 else { return }  // join at the next group start
                    sub.startGroup = object.groupID
                }
                if sub.group != object.groupID {
                    try endGroup(sub, session: session, layout: layout,
                                 priority: audioTrack == nil ? options.priorities.i : options.audioPriority)
                    sub.group = object.groupID
                    sub.objectsInGroup = 0
                    sub.stoppedSubgroups.removeAll()
                }
                sub.objectsInGroup = max(sub.objectsInGroup, object.objectID + 1)
                if sub.stoppedSubgroups.contains(subgroupID) { return }
                let stream: UInt64
                if let s = sub.streams[subgroupID] {
                    stream = s
                } else {
                    stream = try session.openSubgroup(sub.requestID, groupID: object.groupID, subgroupID: .explicit(subgroupID),
                                                      publisherPriority: object.publisherPriority, hasProperties: true)
                    sub.streams[subgroupID] = stream
                }
                try session.writeObject(streamID: stream, objectID: object.objectID, properties: object.frame.properties,
                                        payload: object.frame.payload)
                if layout == .perFrame {
                    try session.endSubgroup(streamID: stream)
                    sub.streams[subgroupID] = nil
                }
            }
        } catch {
            sub.failed = true
            progress?("moq-pub: dropping a subscriber: \(error)")
        }
    }

    /// Closes the current group of `sub`: an END_OF_GROUP status object (its ID = the group's
    /// object count) on a stream of the group, then FIN on every stream.
    private func endGroup(_ sub: Subscription, session: MoQTSession, layout: MediaPublisherOptions.SubgroupLayout,
                          priority: UInt8) throws {
        guard let group = sub.group else { return }
        var statusStream = sub.streams[0] ?? sub.streams.values.min()
        if statusStream == nil || layout == .perFrame {
            statusStream = try session.openSubgroup(sub.requestID, groupID: group, subgroupID: .explicit(sub.objectsInGroup),
                                                    publisherPriority: priority)
            if let s = statusStream { sub.streams[sub.objectsInGroup] = s }
        }
        if let s = statusStream {
            try session.writeObjectStatus(streamID: s, objectID: sub.objectsInGroup, status: .endOfGroup)
        }
        for stream in sub.streams.values { try session.endSubgroup(streamID: stream) }
        sub.streams.removeAll()
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        for sub in subscriptions where !sub.failed {
            try? sub.connection.performOnLoop { session in
                if sub.audioTrack != nil {
                    try endGroup(sub, session: session, layout: .perGroup, priority: options.audioPriority)
                } else {
                    try endGroup(sub, session: session, layout: options.subgroupLayout, priority: options.priorities.i)
                }
                try session.publishDone(sub.requestID, code: .trackEnded, reason: "end of clip")
            }
        }
        progress?("moq-pub: clip done, \(objectsPublished) objects"
                  + zip(audioTrackNames, audioObjectsPublished).map { ", \($0.0) \($0.1) objects" }.joined())
        if isLive { progress?(liveSummary()) }
        let waiters = doneWaiters
        doneWaiters.removeAll()
        for w in waiters { w.resume() }
        let sessions = sessionWaiters
        sessionWaiters.removeAll()
        for w in sessions { w.continuation.resume(returning: .done) }
    }
}
