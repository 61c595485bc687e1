import Foundation
import Media
import MoQT
import MoQTNet
import NIOCore
import QUICIO

/// Subscribes to a published video track: reads the catalog, subscribes to the video, measures
/// per-object latency from the LOC TIMESTAMP property, tracks gaps and their reasons, writes
/// MPEG-TS, prints a status line a second, and returns the report (DESIGN §4).
///
/// By default every video and audio track of the catalog is subscribed (`options.trackNames`
/// chooses) and written to one output. The first video track is the primary one: the report's
/// counts, gaps, latency and the end of the run follow it as for a single track; the others
/// (audio) are subscribed first, so they never start at a later group than the video, and their
/// counts go to the report's `tracks`. The run ends when every subscription finished (at most
/// `publishDoneGrace` after the primary one).
public final class MediaSubscriber: MoQTSessionHandler, @unchecked Sendable {
    public let options: MediaSubscriberOptions
    private let eventLoop: EventLoop
    private var connection: MoQTConnection?
    private var catalogRequest: UInt64?
    private var videoRequest: UInt64?
    private var writer: MediaTrackWriter?
    /// The primary track's name (the first video track chosen; `options.trackName` without a catalog).
    private var primaryName: String
    /// The other tracks chosen (audio, in catalog order), subscribed beside the primary one.
    private var extraNames: [String] = []
    /// The other tracks' subscriptions, by request ID.
    private var extras: [UInt64: ExtraTrack] = [:]
    /// The other tracks' counts, by name (kept across resubscriptions).
    private var extraStats: [String: ExtraTrack.Stats] = [:]
    /// Set when the primary subscription finished while others had not yet.
    private var primaryFinished = false

    final class ExtraTrack {
        struct Stats {
            var tracker = GapTracker()
            var bytes = 0
        }
        let name: String
        var finished = false
        init(name: String) { self.name = name }
    }
    private var tracker = GapTracker()
    private var latency = LatencyRecorder()
    private var bytes = 0
    private var subscribedAt: UInt64?
    private var subscribeOKAt: UInt64?
    private var firstObjectAfterSubscribeMs: Double?
    private var firstObjectAfterSubscribeOKMs: Double?
    private var firstObject: SubscriberReport.FirstObject?
    private var finished = false
    private var failure: Error?
    private var waiters: [CheckedContinuation<Outcome, Never>] = []
    /// Set when the session was lost before the track ended (the run then fails, or reconnects).
    private var lostSession: String?
    private var retryTimer: Scheduled<Void>?
    private var noCatalogNoticed = false
    /// PUBLISH_DONE of the video subscription that ends it: the streams it counts may still be
    /// arriving (`subscriptionFinished`), for at most `publishDoneGrace`.
    private var doneTimer: Scheduled<Void>?
    /// Set after a disconnection or a resubscription: the first object then is reported ("resumed").
    private var resumePending = false
    /// How long a subscriber waits, after PUBLISH_DONE, for the streams it counts before ending
    /// anyway (a relay whose publisher died may never end the streams it was relaying).
    static let publishDoneGrace: TimeAmount = .seconds(2)
    /// A missing publisher is waited for with `--wait`, and after a reconnection (the publisher
    /// may be reconnecting too).
    private var waitsForPublisher: Bool { options.waitForPublisher || (options.reconnect && tracker.disconnections > 0) }
    private var statusTimer: RepeatedTask?
    private var deadline: Scheduled<Void>?
    private var unsubscribeTimer: Scheduled<Void>?
    private var writeError: String?
    /// Receives status lines (once a second) and notices, on the event loop.
    public var status: ((String) -> Void)?

    public init(options: MediaSubscriberOptions, eventLoop: EventLoop) {
        self.options = options
        self.eventLoop = eventLoop
        primaryName = options.trackName
    }

    private var namespace: TrackNamespace { TrackNamespace(strings: options.namespace) }

    /// True once the subscription is over (any thread; a hop to the event loop).
    public var isFinished: Bool { get async { (try? await eventLoop.submit { self.finished }.get()) ?? true } }

    /// How one session of the subscription ended.
    /// What a PUBLISH_DONE on the video subscription leads to.
    public enum PublishDoneAction: Sendable, Equatable {
        /// The subscription is over (the track ended, or the subscriber may not have it).
        case end
        /// The publisher went away or dropped this subscriber (`--reconnect`): subscribe again on the
        /// same session, waiting for a publisher like `--wait`.
        case subscribeAgain
    }

    /// The action for PUBLISH_DONE with `code`. Without `reconnect` every PUBLISH_DONE ends the
    /// subscription. With it, the codes that say the publisher (or a relay's upstream) is gone or
    /// dropped this subscriber -- GOING_AWAY (a relay sends it when the publisher's session closed or
    /// the track was published anew), INTERNAL_ERROR, TOO_FAR_BEHIND, EXCESSIVE_LOAD, EXPIRED --
    /// subscribe again; TRACK_ENDED (the end of the clip), SUBSCRIPTION_ENDED, UNAUTHORIZED,
    /// UPDATE_FAILED, MALFORMED_TRACK and unknown codes end it.
    public static func action(afterPublishDone code: PublishDoneCode, reconnect: Bool) -> PublishDoneAction {
        guard reconnect else { return .end }
        let again: Set<PublishDoneCode> = [.goingAway, .internalError, .tooFarBehind, .excessiveLoad, .expired]
        return again.contains(code) ? .subscribeAgain : .end
    }

    public enum Outcome: Sendable, Equatable {
        /// The subscription is over (track ended, duration reached, stopped, or failed for good).
        case finished
        /// The session was lost and `options.reconnect` is set: serve a new one.
        case disconnected(String)
    }

    /// Runs the subscription on `connection` (a ready session whose handler is this object) until
    /// the track ends, the duration elapses or the session closes; returns the report. A lost
    /// session is an error (`MoQTNetError.sessionClosed`) unless `options.reconnect`.
    public func run(on connection: MoQTConnection) async throws -> (SubscriberReport, MuxReport?) {
        _ = try await serve(connection)
        return try await finalReport()
    }

    /// Subscribes on `connection` (the first or a reconnected session) and waits until the
    /// subscription finishes or, with `options.reconnect`, the session is lost.
    public func serve(_ connection: MoQTConnection) async throws -> Outcome {
        try await eventLoop.submit {
            guard !self.finished else { return }
            self.connection = connection
            self.lostSession = nil
            self.subscribeCatalog(connection)
            if self.statusTimer == nil {
                self.statusTimer = self.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [weak self] _ in
                    self?.printStatus()
                }
            }
            if let u = self.options.unsubscribeAfter, self.unsubscribeTimer == nil {
                self.unsubscribeTimer = self.eventLoop.scheduleTask(in: .milliseconds(Int64(u * 1000))) { [weak self] in
                    guard let self, !self.finished, let c = self.connection, !c.session.isClosed else { return }
                    self.status?("moq-sub: unsubscribing from every track; the session stays open")
                    for id in [self.catalogRequest, self.videoRequest].compactMap({ $0 }) { try? c.performOnLoop { try $0.unsubscribe(id) } }
                    for (id, extra) in self.extras where !extra.finished { try? c.performOnLoop { try $0.unsubscribe(id) } }
                }
            }
            if let d = self.options.duration, self.deadline == nil {
                self.deadline = self.eventLoop.scheduleTask(in: .milliseconds(Int64(d * 1000))) { [weak self] in
                    self?.status?("moq-sub: duration reached")
                    self?.finish()
                }
            }
        }.get()
        return await withCheckedContinuation { (c: CheckedContinuation<Outcome, Never>) in
            eventLoop.execute { if self.finished { c.resume(returning: .finished) } else { self.waiters.append(c) } }
        }
    }

    /// The report once the subscription finished: the TS is completed. Throws the failure if
    /// nothing arrived, or if the session was lost (the report so far is in the error).
    public func finalReport() async throws -> (SubscriberReport, MuxReport?) {
        try await eventLoop.submit { () -> (SubscriberReport, MuxReport?) in
            if let failure = self.failure, self.tracker.objectsReceived == 0 { throw failure }
            let mux = try self.writer?.finish()
            let result = (self.report(mux: mux), mux)
            if let lost = self.lostSession { throw MediaSubscriberError.sessionLost(reason: lost, report: result.0, mux: result.1) }
            return result
        }.get()
    }

    /// The video subscription again on a new session, or the catalog first.
    private func subscribeCatalog(_ connection: MoQTConnection) {
        retryTimer = nil
        if writer != nil || videoRequest != nil {
            videoRequest = nil
            startVideo(connection, catalog: nil)
            return
        }
        do {
            catalogRequest = try connection.performOnLoop {
                try $0.subscribe(FullTrackName(namespace: self.namespace, name: MediaCatalog.trackName),
                                 parameters: self.options.requestParameters)
            }
        } catch {
            finish(error: error)
        }
    }

    private func report(mux: MuxReport?) -> SubscriberReport {
        var r = SubscriberReport(objects: tracker.objectsReceived, groups: tracker.groupsReceived, bytes: bytes,
                                 gaps: tracker.gaps(), latencyUs: latency.summary(),
                                 firstObjectAfterSubscribeMs: firstObjectAfterSubscribeMs,
                                 framesSkipped: mux?.skipped.count ?? 0, duplicates: tracker.duplicates,
                                 firstObjectAfterSubscribeOKMs: firstObjectAfterSubscribeOKMs, firstObject: firstObject)
        if !extraNames.isEmpty {
            let muxReports = writer?.trackReports ?? []
            var tracks = [SubscriberReport.TrackSummary(name: primaryName, objects: tracker.objectsReceived, groups: tracker.groupsReceived,
                                                        bytes: bytes, gaps: tracker.gaps().count,
                                                        framesWritten: muxReports.first { $0.name == primaryName }?.mux.framesWritten,
                                                        framesSkipped: mux?.skipped.count, droppedBeforeVideo: nil)]
            for name in extraNames {
                let stats = extraStats[name] ?? ExtraTrack.Stats()
                let m = muxReports.first { $0.name == name }
                tracks.append(SubscriberReport.TrackSummary(name: name, objects: stats.tracker.objectsReceived, groups: stats.tracker.groupsReceived,
                                                            bytes: stats.bytes, gaps: stats.tracker.gaps().count,
                                                            framesWritten: m?.mux.framesWritten, framesSkipped: m?.mux.skipped.count,
                                                            droppedBeforeVideo: m?.droppedBeforeVideo))
            }
            r.tracks = tracks
        }
        return r
    }

    private func printStatus() {
        guard options.periodicStatus else { return }
        var l = latency
        let p50 = Double(l.percentile(50) ?? 0) / 1000, p99 = Double(l.percentile(99) ?? 0) / 1000
        status?(String(format: "moq-sub: %d objects, %d groups, %d gaps, latency p50 %.1f ms p99 %.1f ms",
                       tracker.objectsReceived, tracker.groupsReceived, tracker.gaps().count, p50, p99))
    }

    /// Ends the subscription now (e.g. on SIGINT/SIGTERM): `run` returns the report so far.
    public func stop(reason: String) {
        eventLoop.execute {
            guard !self.finished else { return }
            self.status?("moq-sub: \(reason)")
            self.finish()
        }
    }

    private func finish(error: Error? = nil) {
        guard !finished else { return }
        finished = true
        if let error, failure == nil { failure = error }
        statusTimer?.cancel()
        deadline?.cancel()
        unsubscribeTimer?.cancel()
        retryTimer?.cancel()
        doneTimer?.cancel()
        if let c = connection, let v = videoRequest, !c.session.isClosed { try? c.performOnLoop { try $0.unsubscribe(v) } }
        if let c = connection, !c.session.isClosed {
            for (id, extra) in extras where !extra.finished { try? c.performOnLoop { try $0.unsubscribe(id) } }
        }
        resumeWaiters(.finished)
    }

    private func resumeWaiters(_ outcome: Outcome) {
        let w = waiters
        waiters.removeAll()
        for c in w { c.resume(returning: outcome) }
    }

    /// The session ended before the subscription did.
    private func sessionLost(_ connection: MoQTConnection, code: SessionErrorCode, reason: String) {
        let why = connection.closeDescription ?? "\(code) \(reason)"
        lostSession = why
        tracker.disconnected()
        extrasDisconnected()
        resumePending = true
        retryTimer?.cancel()
        doneTimer?.cancel()
        doneTimer = nil
        self.connection = nil
        catalogRequest = nil
        if options.reconnect {
            status?("moq-sub: session lost (\(why))")
            resumeWaiters(.disconnected(why))
        } else {
            finish(error: MoQTNetError.sessionClosed(code: code, reason: why))
        }
    }

    /// No publisher yet (`--wait`): subscribe again in a second.
    private func retryLater(_ connection: MoQTConnection, _ error: Draft18.RequestError) {
        if retryTimer == nil { status?("moq-sub: no publisher yet (\(error.reason)); waiting") }
        catalogRequest = nil
        videoRequest = nil
        retryTimer = eventLoop.scheduleTask(in: .seconds(1)) { [weak self] in
            guard let self, !self.finished, self.connection === connection, !connection.session.isClosed else { return }
            self.subscribeCatalog(connection)
        }
    }

    private static func wallMicros() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }

    // MARK: Session events

    public func moqtConnection(_ connection: MoQTConnection, didReceive event: MoQTSessionEvent) {
        guard !finished else { return }
        switch event {
        case .object(let object) where object.requestID == catalogRequest:
            guard writer == nil, videoRequest == nil, object.status == .normal else { return }
            startVideo(connection, catalog: object.payload)
        case .object(let object) where object.requestID == videoRequest:
            receive(object)
        case .subgroupReset(let requestID, _, let group, _, let code) where requestID == videoRequest:
            let onPurpose = [StreamResetCode.excessiveLoad, .tooFarBehind, .deliveryTimeout].map(\.rawValue).contains(code)
            tracker.streamReset(group: trackGroup(group), droppedOnPurpose: onPurpose)
        case .requestError(let requestID, let error) where requestID == catalogRequest && options.output == nil && videoRequest == nil
                && error.code != .unauthorized:
            // Without --out the catalog is only a check: a publisher with no MSF catalog (e.g. a
            // synthetic LOC source) still has a track worth counting, so subscribe to it directly.
            if !noCatalogNoticed { status?("moq-sub: no catalog track; subscribing to '\(options.trackName)' without one") }
            noCatalogNoticed = true
            catalogRequest = nil
            startVideo(connection, catalog: nil)
        case .requestError(let requestID, let error) where (requestID == catalogRequest || requestID == videoRequest)
                && waitsForPublisher && error.code == .doesNotExist:
            retryLater(connection, error)
        case .requestError(let requestID, let error) where requestID == catalogRequest || requestID == videoRequest:
            finish(error: MediaSubscriberError.refused(code: error.code, reason: error.reason))
        case .subscribeOK(let requestID, _, _) where requestID == videoRequest:
            subscribeOKAt = MonotonicClock.now().nanoseconds
        case .publishDone(let requestID, let done) where requestID == videoRequest:
            publishDone(connection, done)
        case .subscriptionFinished(let requestID, _) where requestID == videoRequest:
            status?("moq-sub: track ended (PUBLISH_DONE)")
            primaryFinished = true
            finishIfAllEnded()
        case .object(let object) where extras[object.requestID] != nil:
            receiveExtra(object, extras[object.requestID]!)
        case .subgroupReset(let requestID, _, let group, _, let code) where extras[requestID] != nil:
            let onPurpose = [StreamResetCode.excessiveLoad, .tooFarBehind, .deliveryTimeout].map(\.rawValue).contains(code)
            let name = extras[requestID]!.name
            var stats = extraStats[name] ?? ExtraTrack.Stats()
            stats.tracker.streamReset(group: stats.tracker.trackGroup(group).group, droppedOnPurpose: onPurpose)
            extraStats[name] = stats
        case .requestError(let requestID, let error) where extras[requestID] != nil:
            let extra = extras[requestID]!
            status?("moq-sub: track '\(extra.name)' refused: \(error.code)\(error.reason.isEmpty ? "" : ": \(error.reason)")")
            extra.finished = true
            finishIfAllEnded()
        case .subscriptionFinished(let requestID, _) where extras[requestID] != nil:
            extras[requestID]!.finished = true
            finishIfAllEnded()
        case .closed(let code, let reason, _) where connection === self.connection:
            sessionLost(connection, code: code, reason: reason)
        default:
            break
        }
    }

    /// PUBLISH_DONE on the video subscription: subscribe again at once (`--reconnect`, the
    /// publisher went away), or end once its streams have arrived (at most `publishDoneGrace`).
    private func publishDone(_ connection: MoQTConnection, _ done: Draft18.PublishDone) {
        let why = "\(done.statusCode)\(done.reason.isEmpty ? "" : ": \(done.reason)")"
        switch Self.action(afterPublishDone: done.statusCode, reconnect: options.reconnect) {
        case .subscribeAgain:
            // What is missing from here to the first object of the new subscription was missed
            // while the publisher was away (`disconnected`); the old streams are not waited for.
            status?("moq-sub: publisher gone (PUBLISH_DONE \(why)); subscribing again")
            tracker.disconnected()
            extrasDisconnected()
            resumePending = true
            videoRequest = nil
            subscribeOKAt = nil
            retryTimer?.cancel()
            subscribeCatalog(connection)
        case .end:
            doneTimer?.cancel()
            doneTimer = eventLoop.scheduleTask(in: Self.publishDoneGrace) { [weak self] in
                guard let self, !self.finished else { return }
                self.status?("moq-sub: track ended (PUBLISH_DONE) with \(why); not every stream it counts ended within \(Self.publishDoneGrace.nanoseconds / 1_000_000_000) s")
                self.finish()
            }
        }
    }

    /// `group` as received, in the track's continuous numbering (see `GapTracker.trackGroup`); a
    /// publisher that started anew restarts the output's timeline too.
    private func trackGroup(_ group: UInt64) -> UInt64 {
        let (mapped, restarted) = tracker.trackGroup(group)
        if restarted {
            status?("moq-sub: the publisher started anew: its group \(group) follows group \(tracker.groupOffset - 1) here (as \(mapped))")
            writer?.restartTimeline()
        }
        return mapped
    }

    /// When the primary subscription finished: ends the run once the others did too, or after
    /// `publishDoneGrace` (a track whose streams never end must not hold the output back).
    private func finishIfAllEnded() {
        guard primaryFinished else { return }
        if extras.values.allSatisfy(\.finished) {
            finish()
        } else if doneTimer == nil {
            doneTimer = eventLoop.scheduleTask(in: Self.publishDoneGrace) { [weak self] in
                guard let self, !self.finished else { return }
                let open = self.extras.values.filter { !$0.finished }.map(\.name).sorted()
                self.status?("moq-sub: tracks \(open.joined(separator: ", ")) not ended \(Self.publishDoneGrace.nanoseconds / 1_000_000_000) s after '\(self.primaryName)'")
                self.finish()
            }
        }
    }

    /// The tracks to subscribe to from the catalog: `requested`, or every video and audio track;
    /// the first video track among them is the primary one.
    /// The most tracks one subscriber subscribes to and writes.
    static let maxTracks = 16

    static func chooseTracks(catalog: MediaCatalog, requested: [String]?) throws -> (primary: String, others: [String]) {
        let names = requested ?? catalog.mediaTrackNames
        guard !names.isEmpty else { throw CatalogError.trackNotFound("(no video or audio track in the catalog)") }
        // A catalog is network input: a subscriber never opens more subscriptions than this for it.
        guard names.count <= maxTracks else { throw CatalogError.tooManyTracks(names.count, limit: maxTracks) }
        for name in names where !catalog.tracks.contains(where: { $0.name == name }) { throw CatalogError.trackNotFound(name) }
        let primary = names.first { !catalog.isAudioTrack(named: $0) } ?? names[0]
        return (primary, names.filter { $0 != primary })
    }

    private func startVideo(_ connection: MoQTConnection, catalog: [UInt8]?) {
        do {
            if let catalog {
                let decoded = try MediaCatalog.decode(catalog)
                (primaryName, extraNames) = try Self.chooseTracks(catalog: decoded, requested: options.trackNames)
                if let output = options.output {
                    writer = try MediaTrackWriter(catalog: catalog, trackNames: [primaryName] + extraNames, output: output)
                } else if decoded.isAudioTrack(named: primaryName) {
                    _ = try decoded.audioTrackInfo(named: primaryName)
                } else {
                    _ = try decoded.videoTrackInfo(named: primaryName)
                }
            }
            // The other tracks first: a relay then never starts them at a later group than the primary.
            extras.removeAll()
            primaryFinished = false
            for name in extraNames {
                let id = try connection.session.subscribe(FullTrackName(namespace: namespace, name: name),
                                                          filter: .largestObject, subscriberPriority: options.subscriberPriority,
                                                          parameters: options.requestParameters)
                extras[id] = ExtraTrack(name: name)
            }
            subscribedAt = MonotonicClock.now().nanoseconds
            videoRequest = try connection.session.subscribe(FullTrackName(namespace: namespace, name: primaryName),
                                                            filter: .largestObject, subscriberPriority: options.subscriberPriority,
                                                            parameters: options.requestParameters)
        } catch {
            finish(error: error)
        }
    }

    private func receive(_ object: MoQTReceivedObject) {
        let groupID = trackGroup(object.groupID)
        switch object.status {
        case .endOfGroup:
            tracker.groupEnded(group: groupID, objectCount: object.objectID)
            writer?.endGroup(track: primaryName, groupID, objectCount: object.objectID)
            return
        case .normal:
            break
        default:
            return
        }
        guard tracker.objectReceived(group: groupID, object: object.objectID) else { return }
        if resumePending {
            resumePending = false
            status?("moq-sub: resumed at group \(groupID) object \(object.objectID)")
        }
        bytes += object.payload.count
        if firstObject == nil {
            let now = MonotonicClock.now().nanoseconds
            if let t = subscribedAt { firstObjectAfterSubscribeMs = Double(now - t) / 1e6 }
            // Objects may overtake SUBSCRIBE_OK (another stream): then the delay is 0.
            if let t = subscribeOKAt { firstObjectAfterSubscribeOKMs = Double(now > t ? now - t : 0) / 1e6 } else { firstObjectAfterSubscribeOKMs = 0 }
            let keyframe = object.properties.integer(LOCPropertyType.frameInfo).map { $0 & 0x4 != 0 }
            firstObject = SubscriberReport.FirstObject(group: object.groupID, object: object.objectID, keyframe: keyframe)
        }
        if let ts = object.properties.integer(LOCPropertyType.timestamp) {
            latency.record(microseconds: Int64(Self.wallMicros()) - Int64(ts))
        }
        if let writer {
            do {
                try writer.receive(track: primaryName, groupID: groupID, objectID: object.objectID,
                                   publisherPriority: object.publisherPriority, properties: object.properties, payload: object.payload)
            } catch {
                status?("moq-sub: malformed object \(object.groupID)/\(object.objectID): \(error)")
            }
        }
    }

    /// The other tracks' gap trackers learn of a disconnection too, so that a publisher that started
    /// anew (groups from 0 again) is recognised on each track and its groups follow the last ones seen.
    private func extrasDisconnected() {
        for name in extraNames { extraStats[name, default: ExtraTrack.Stats()].tracker.disconnected() }
    }

    /// An object of one of the other tracks: counted, and written beside the primary one.
    private func receiveExtra(_ object: MoQTReceivedObject, _ extra: ExtraTrack) {
        var stats = extraStats[extra.name] ?? ExtraTrack.Stats()
        defer { extraStats[extra.name] = stats }
        let groupID = stats.tracker.trackGroup(object.groupID).group
        switch object.status {
        case .endOfGroup:
            stats.tracker.groupEnded(group: groupID, objectCount: object.objectID)
            writer?.endGroup(track: extra.name, groupID, objectCount: object.objectID)
            return
        case .normal:
            break
        default:
            return
        }
        guard stats.tracker.objectReceived(group: groupID, object: object.objectID) else { return }
        stats.bytes += object.payload.count
        do {
            try writer?.receive(track: extra.name, groupID: groupID, objectID: object.objectID,
                                publisherPriority: object.publisherPriority, properties: object.properties, payload: object.payload)
        } catch {
            status?("moq-sub: malformed object \(extra.name) \(object.groupID)/\(object.objectID): \(error)")
        }
    }
}

/// How a subscription failed after it had started.
public enum MediaSubscriberError: Error, CustomStringConvertible {
    /// The session was lost before the track ended; the report and TS of what arrived are complete.
    case sessionLost(reason: String, report: SubscriberReport, mux: MuxReport?)
    /// The relay answered the SUBSCRIBE with REQUEST_ERROR (e.g. UNAUTHORIZED: wrong or missing --token).
    case refused(code: RequestErrorCode, reason: String)

    public var description: String {
        switch self {
        case .sessionLost(let reason, _, _): return "session lost: \(reason)"
        case .refused(let code, let reason):
            let hint = code == .doesNotExist ? " (--wait waits for a publisher)" : code == .unauthorized ? " (--token / --token-file)" : ""
            return "subscription rejected: SUBSCRIBE refused by the relay: \(code)\(reason.isEmpty ? "" : ": \(reason)")\(hint)"
        }
    }
}
