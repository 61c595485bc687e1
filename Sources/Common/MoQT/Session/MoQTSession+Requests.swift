extension MoQTSession {
    /// Consumes the messages a request stream has.
    func pumpRequest(_ streamID: UInt64) throws {
        while !isClosed, peerSetupOptions != nil, var r = requests[streamID] {
            guard let m = try r.parser.next() else { break }
            requests[streamID] = r
            if r.kind == nil {
                try handleFirstRequestMessage(m, on: streamID)
            } else if r.isLocal {
                try handleReplyMessage(m, on: streamID)
            } else {
                try handlePeerFollowUp(m, on: streamID)
            }
        }
        guard !isClosed, let r = requests[streamID], r.readClosed, peerSetupOptions != nil else { return }
        try r.parser.finish()
        if r.kind == nil && !r.isLocal {
            // The peer opened and closed a stream without a request.
            requests[streamID] = nil
            return
        }
        if draft == .draft22, (r.isLocal && r.phase == .awaitingResponse) || (r.isSubscriberSide && r.publishDone == nil && r.phase != .ended) {
            // draft-22 (graceful request stream closure): a FIN is no cancellation, but one before
            // the messages the request needs (its response; PUBLISH_DONE of a subscription) fails
            // the request; the session goes on.
            cancelRequestStream(streamID, code: StreamResetCode.internalError.rawValue)
            return
        }
        if r.isLocal && r.phase == .awaitingResponse {
            throw MoQTError.protocolViolation("request stream ended without a response")
        }
        streamReadEnded(streamID)
    }

    /// The peer finished its side of a request stream: a request this side sent is over, so
    /// this side finishes too; then the record goes once nothing more can happen on it.
    func streamReadEnded(_ streamID: UInt64) {
        guard let r = requests[streamID] else { return }
        if r.readClosed && !r.writeClosed && (r.isLocal || r.isSubscriberSide || r.phase == .ended) {
            finishStream(streamID)
            requests[streamID]?.writeClosed = true
        }
        if r.isSubscriberSide { checkSubscriptionFinished(streamID) }
        removeIfDone(streamID)
    }

    /// Drops a request record whose stream is closed both ways and whose data is complete.
    func removeIfDone(_ streamID: UInt64) {
        guard let r = requests[streamID], r.readClosed, r.writeClosed else { return }
        if r.isSubscriberSide && r.publishDone != nil && !r.finishedReported { return }
        retire(streamID)
        requests[streamID] = nil
    }

    static func requestID(of m: Draft18.ControlMessage) -> (UInt64, RequestKind)? {
        switch m {
        case .subscribe(let x): return (x.requestID, .subscribe)
        case .publish(let x): return (x.requestID, .publish)
        case .fetch(let x): return (x.requestID, .fetch)
        case .trackStatus(let x): return (x.requestID, .trackStatus)
        case .publishNamespace(let x): return (x.requestID, .publishNamespace)
        case .subscribeNamespace(let x): return (x.requestID, .subscribeNamespace)
        case .subscribeTracks(let x): return (x.requestID, .subscribeTracks)
        default: return nil
        }
    }

    /// The first message on a peer's bidirectional stream opens a request.
    func handleFirstRequestMessage(_ first: Draft18.ControlMessage, on streamID: UInt64) throws {
        guard let (requestID, kind) = Self.requestID(of: first) else {
            throw MoQTError.protocolViolation("\(first.name) cannot open a request stream")
        }
        try acceptPeerRequestID(requestID)
        // Token aliases are registered even if the request is refused (§10.2.2); the application
        // sees only resolved tokens (USE_VALUE).
        let m = try resolvingTokens(first)
        guard var r = requests[streamID] else { return }
        r.requestID = requestID
        r.kind = kind
        requests[streamID] = r
        requestStreams[requestID] = streamID
        transport.setPriority(streamID: streamID, priority: .control)
        if let g = sentGoAway, let limit = g.requestID, requestID >= limit {
            try replyError(streamID, Draft18.RequestError(code: .goingAway, reason: "going away"))
            return
        }
        if let refusal = refusalForLimits(m, kind: kind, on: streamID) ?? refusalForFilters(m) {
            try replyError(streamID, refusal)
            return
        }
        switch m {
        case .subscribe(let s):
            applySubscriptionParameters(s.parameters, to: streamID)
            requests[streamID]?.track = s.track
            if let f = s.parameters.fillParameters { requests[streamID]?.fill = try Draft22.FillRequest(fillParameters: f) }
            emit(.subscribeRequested(requestID: requestID, s))
        case .publish(let p):
            if receivedAliases[p.trackAlias] != nil {
                throw MoQTError(.duplicateTrackAlias, "PUBLISH with track alias \(p.trackAlias) already in use")
            }
            receivedAliases[p.trackAlias] = requestID
            retiredAliases.remove(p.trackAlias)
            requests[streamID]?.trackAlias = p.trackAlias
            requests[streamID]?.track = p.track
            requests[streamID]?.defaultPublisherPriority = Self.defaultPublisherPriority(p.trackProperties)
            if let f = p.parameters.forward { requests[streamID]?.forward = f }
            emit(.publishRequested(requestID: requestID, p))
        case .fetch(let f):
            switch f.range {
            case .relativeJoining(let joined, _), .absoluteJoining(let joined, _):
                guard let js = requestStreams[joined], let j = requests[js], j.kind == .subscribe, !j.isLocal, j.phase != .ended else {
                    try replyError(streamID, Draft18.RequestError(code: .invalidJoiningRequestID, reason: "no subscription \(joined)"))
                    return
                }
            case .standalone(let track, let start, let end):
                requests[streamID]?.track = track
                if end.group < start.group {
                    try replyError(streamID, Draft18.RequestError(code: .invalidRange, reason: "end before start"))
                    return
                }
            }
            if let o = f.parameters.groupOrder { requests[streamID]?.groupOrder = o }
            if let p = f.parameters.subscriberPriority { requests[streamID]?.subscriberPriority = p }
            if draft == .draft22 { requests[streamID]?.rangeFilters = RangeFilterSet(f.parameters.rangeFilters) }
            emit(.fetchRequested(requestID: requestID, f))
        case .trackStatus(let t): emit(.trackStatusRequested(requestID: requestID, t))
        case .publishNamespace(let p): emit(.publishNamespaceRequested(requestID: requestID, p))
        case .subscribeNamespace(let s): emit(.subscribeNamespaceRequested(requestID: requestID, s))
        case .subscribeTracks(let s): emit(.subscribeTracksRequested(requestID: requestID, s))
        default: break
        }
    }

    /// `m` with its AUTHORIZATION TOKEN parameters resolved through the peer's token cache.
    func resolvingTokens(_ m: Draft18.ControlMessage) throws -> Draft18.ControlMessage {
        func resolved(_ p: MessageParameters) throws -> MessageParameters {
            var p = p
            if !p.authorizationTokens.isEmpty { p.authorizationTokens = try peerTokens.resolve(p.authorizationTokens) }
            return p
        }
        switch m {
        case .subscribe(var x): x.parameters = try resolved(x.parameters); return .subscribe(x)
        case .publish(var x): x.parameters = try resolved(x.parameters); return .publish(x)
        case .fetch(var x): x.parameters = try resolved(x.parameters); return .fetch(x)
        case .trackStatus(var x): x.parameters = try resolved(x.parameters); return .trackStatus(x)
        case .publishNamespace(var x): x.parameters = try resolved(x.parameters); return .publishNamespace(x)
        case .subscribeNamespace(var x): x.parameters = try resolved(x.parameters); return .subscribeNamespace(x)
        case .subscribeTracks(var x): x.parameters = try resolved(x.parameters); return .subscribeTracks(x)
        default: return m
        }
    }

    /// DEFAULT_PUBLISHER_PRIORITY among track properties, else 128.
    static func defaultPublisherPriority(_ properties: [KeyValuePair]) -> UInt8 {
        guard let v = properties.first(where: { $0.type == PropertyType.defaultPublisherPriority })?.integerValue, v <= 255 else { return 128 }
        return UInt8(v)
    }

    func applySubscriptionParameters(_ p: MessageParameters, to streamID: UInt64) {
        if let f = p.forward { requests[streamID]?.forward = f }
        if let sp = p.subscriberPriority { requests[streamID]?.subscriberPriority = sp }
        if let o = p.groupOrder { requests[streamID]?.groupOrder = o }
        if let f = p.subscriptionFilter { requests[streamID]?.filter = f }
        if draft == .draft22, !p.rangeFilters.isEmpty, let r = requests[streamID] {
            requests[streamID]?.rangeFilters = r.rangeFilters.updated(by: p.rangeFilters)
        }
    }

    /// INVALID_FILTER for a draft-22 request whose Range Filters (its own and its FILL_PARAMETERS')
    /// break a Range Filter rule or exceed the MAX_FILTER_RANGES this side sent.
    func refusalForFilters(_ m: Draft18.ControlMessage) -> Draft18.RequestError? {
        guard draft == .draft22 else { return nil }
        let p: MessageParameters
        switch m {
        case .subscribe(let x): p = x.parameters
        case .fetch(let x): p = x.parameters
        case .subscribeTracks(let x): p = x.parameters
        default: return nil
        }
        var filters = p.rangeFilters
        if let f = p.fillParameters, let fill = try? Draft22.FillRequest(fillParameters: f) { filters += fill.rangeFilters }
        if filters.contains(where: { $0.setID == nil }) {
            return Draft18.RequestError(code: .invalidFilter, reason: "empty range filter outside REQUEST_UPDATE")
        }
        let reason = RangeFilterSet.refusal(p.rangeFilters, maxRanges: maxFilterRanges)
            ?? RangeFilterSet.refusal(filters, maxRanges: maxFilterRanges)
        return reason.map { Draft18.RequestError(code: .invalidFilter, reason: $0) }
    }

    /// Later messages on a stream the peer opened: REQUEST_UPDATE, PUBLISH_DONE (for its PUBLISH), GOAWAY.
    func handlePeerFollowUp(_ m: Draft18.ControlMessage, on streamID: UInt64) throws {
        guard let r = requests[streamID], let requestID = r.requestID else { return }
        switch m {
        case .requestUpdate(let u):
            try handleUpdate(u, on: streamID)
        case .publishDone(let d) where r.kind == .publish:
            guard r.publishDone == nil else { throw MoQTError.protocolViolation("second PUBLISH_DONE") }
            requests[streamID]?.publishDone = d
            emit(.publishDone(requestID: requestID, d))
            checkSubscriptionFinished(streamID)
        case .goAway(let g):
            emit(.requestGoAway(requestID: requestID, g))
        case .publishStateNotify(let n) where r.kind == .publish:
            if let f = n.parameters.forward { requests[streamID]?.forward = f }
        case .requestOK(let ok):
            guard let u = r.pendingUpdates.first else { throw MoQTError.protocolViolation("unsolicited REQUEST_OK") }
            requests[streamID]?.pendingUpdates.removeFirst()
            emit(.requestOK(requestID: u, ok))
        case .requestError(let e):
            guard let u = r.pendingUpdates.first else { throw MoQTError.protocolViolation("unsolicited REQUEST_ERROR") }
            requests[streamID]?.pendingUpdates.removeFirst()
            emit(.requestError(requestID: u, e))
        default:
            throw MoQTError.protocolViolation("\(m.name) on a \(r.kind.map { "\($0)" } ?? "") request stream")
        }
    }

    /// Applies a REQUEST_UPDATE and acknowledges it.
    func handleUpdate(_ received: Draft18.RequestUpdate, on streamID: UInt64) throws {
        guard let r = requests[streamID], let requestID = r.requestID else { return }
        try acceptPeerRequestID(received.requestID)
        var u = received
        if !u.parameters.authorizationTokens.isEmpty { u.parameters.authorizationTokens = try peerTokens.resolve(u.parameters.authorizationTokens) }
        guard r.phase != .ended else { return }
        if draft == .draft22 {
            // MAX_REQUEST_UPDATES: this side answers each update as it arrives, so none is ever
            // outstanding here and the limit it may send can never be exceeded.
            var fill: Draft22.FillRequest?
            if let f = u.parameters.fillParameters {
                guard r.kind == .subscribe, r.isPublisherSide else {
                    throw MoQTError.protocolViolation("FILL_PARAMETERS in a REQUEST_UPDATE that is not for a SUBSCRIBE")
                }
                fill = try Draft22.FillRequest(fillParameters: f)
            }
            if !u.parameters.rangeFilters.isEmpty || fill.map({ !$0.rangeFilters.isEmpty }) == true {
                let merged = r.rangeFilters.updated(by: u.parameters.rangeFilters)
                let filled = merged.updated(by: fill?.rangeFilters ?? [])
                if let why = RangeFilterSet.refusal(merged.filters, maxRanges: maxFilterRanges)
                    ?? RangeFilterSet.refusal(filled.filters, maxRanges: maxFilterRanges) {
                    try failUpdate(on: streamID, Draft18.RequestError(code: .invalidFilter, reason: why))
                    return
                }
            }
            // A fill stream this update asks for (the relay serves it on `.requestUpdated`).
            if let fill { requests[streamID]?.fill = fill }
        }
        if r.kind == .subscribe || r.kind == .publish || r.kind == .fetch {
            applySubscriptionParameters(u.parameters, to: streamID)
        }
        if !r.writeClosed { send(.requestOK(Draft18.RequestOK()), on: streamID) }
        emit(.requestUpdated(requestID: requestID, u))
    }

    /// A REQUEST_UPDATE this side refuses (draft-22): REQUEST_ERROR, and the subscription it
    /// updated ends with PUBLISH_DONE UPDATE_FAILED, or the FETCH's data stream is reset.
    func failUpdate(on streamID: UInt64, _ e: Draft18.RequestError) throws {
        guard let r = requests[streamID], !r.writeClosed, let requestID = r.requestID else { return }
        send(.requestError(e), on: streamID)
        if r.isPublisherSide, r.phase == .established {
            try publishDone(requestID, code: .updateFailed, reason: e.reason)
            emit(.requestError(requestID: requestID, e))
        } else if r.kind == .fetch {
            for (sid, o) in outgoing.sorted(by: { $0.key < $1.key }) where o.requestID == requestID && !o.ended {
                outgoing[sid]?.ended = true
                resetStream(sid, code: StreamResetCode.cancelled.rawValue)
            }
            finishStream(streamID)
            requests[streamID]?.writeClosed = true
            requests[streamID]?.phase = .ended
            emit(.requestError(requestID: requestID, e))
        }
    }

    /// Messages on a stream this side opened: the answer, then what the request may bring.
    func handleReplyMessage(_ m: Draft18.ControlMessage, on streamID: UInt64) throws {
        guard let r = requests[streamID], let kind = r.kind, let requestID = r.requestID else { return }
        if case .goAway(let g) = m {
            emit(.requestGoAway(requestID: requestID, g))
            return
        }
        if case .requestUpdate(let u) = m, kind == .publish, r.phase != .ended {
            try handleUpdate(u, on: streamID)
            return
        }
        if case .publishStateNotify(let n) = m {
            // draft-22: the publisher's own change of subscription state; applied, never answered.
            guard kind == .subscribe, r.phase == .established else {
                throw MoQTError.protocolViolation("PUBLISH_STATE_NOTIFY outside an established subscription")
            }
            if let f = n.parameters.forward { requests[streamID]?.forward = f }
            return
        }
        if r.phase == .awaitingResponse {
            switch (m, kind) {
            case (.requestError(let e), _):
                requests[streamID]?.phase = .ended
                localFetchOrders[requestID] = nil
                noteEnded(requestID)
                emit(.requestError(requestID: requestID, e))
                if kind == .subscribe { try unparkStreams() }
                if kind == .publish {
                    // The peer refused the track: stop its data.
                    if let a = r.trackAlias { sentAliases[a] = nil }
                    for (sid, o) in outgoing.sorted(by: { $0.key < $1.key }) where o.requestID == requestID && !o.ended {
                        outgoing[sid]?.ended = true
                        resetStream(sid, code: StreamResetCode.cancelled.rawValue)
                    }
                }
            case (.subscribeOK(let ok), .subscribe):
                if receivedAliases[ok.trackAlias] != nil {
                    throw MoQTError(.duplicateTrackAlias, "SUBSCRIBE_OK with track alias \(ok.trackAlias) already in use")
                }
                receivedAliases[ok.trackAlias] = requestID
                retiredAliases.remove(ok.trackAlias)
                requests[streamID]?.trackAlias = ok.trackAlias
                requests[streamID]?.defaultPublisherPriority = Self.defaultPublisherPriority(ok.trackProperties)
                requests[streamID]?.phase = .established
                emit(.subscribeOK(requestID: requestID, trackAlias: ok.trackAlias, ok))
                try unparkStreams()
            case (.fetchOK(let ok), .fetch):
                requests[streamID]?.phase = .established
                emit(.fetchOK(requestID: requestID, ok))
            case (.requestOK(let ok), .publish):
                requests[streamID]?.phase = .established
                if let f = ok.parameters.forward { requests[streamID]?.forward = f }
                if let p = ok.parameters.subscriberPriority { requests[streamID]?.subscriberPriority = p }
                emit(.requestOK(requestID: requestID, ok))
            case (.requestOK(let ok), .trackStatus), (.requestOK(let ok), .publishNamespace),
                 (.requestOK(let ok), .subscribeNamespace), (.requestOK(let ok), .subscribeTracks):
                requests[streamID]?.phase = .established
                emit(.requestOK(requestID: requestID, ok))
            default:
                throw MoQTError.protocolViolation("\(m.name) cannot answer \(kind)")
            }
            return
        }
        switch (m, kind) {
        case (.requestOK(let ok), _):
            guard let u = requests[streamID]?.pendingUpdates.first else { throw MoQTError.protocolViolation("unsolicited REQUEST_OK") }
            requests[streamID]?.pendingUpdates.removeFirst()
            emit(.requestOK(requestID: u, ok))
        case (.requestError(let e), _):
            guard let u = requests[streamID]?.pendingUpdates.first else { throw MoQTError.protocolViolation("unsolicited REQUEST_ERROR") }
            requests[streamID]?.pendingUpdates.removeFirst()
            emit(.requestError(requestID: u, e))
        case (.publishDone(let d), .subscribe):
            guard r.publishDone == nil else { throw MoQTError.protocolViolation("second PUBLISH_DONE") }
            requests[streamID]?.publishDone = d
            emit(.publishDone(requestID: requestID, d))
            checkSubscriptionFinished(streamID)
        case (.namespace(let n), .subscribeNamespace):
            emit(.namespace(requestID: requestID, suffix: n.suffix))
        case (.namespaceDone(let n), .subscribeNamespace):
            emit(.namespaceDone(requestID: requestID, suffix: n.suffix))
        case (.publishBlocked(let b), .subscribeTracks):
            emit(.publishBlocked(requestID: requestID, b))
        default:
            throw MoQTError.protocolViolation("\(m.name) on a \(kind) request stream")
        }
    }

    /// Sends REQUEST_ERROR and ends the request.
    /// The REQUEST_ERROR a new peer request gets for a rule of the session's own state, if any:
    /// DUPLICATE_SUBSCRIPTION for a second open SUBSCRIBE to one track (draft-18 §5.1: "MUST
    /// fail that request"), EXCESSIVE_LOAD past `maxPeerSubscriptions` or `maxPeerRequests`.
    func refusalForLimits(_ m: Draft18.ControlMessage, kind: RequestKind, on streamID: UInt64) -> Draft18.RequestError? {
        var open = 0
        var subscriptions = 0
        for (sid, r) in requests where sid != streamID && !r.isLocal && r.kind != nil && r.phase != .ended {
            open += 1
            if r.kind == .subscribe {
                subscriptions += 1
                if case .subscribe(let s) = m, r.track == s.track {
                    return Draft18.RequestError(code: .duplicateSubscription, reason: "already subscribed to this track in this session")
                }
            }
        }
        let retry = configuration.limitRetryInterval
        if kind == .subscribe, let limit = configuration.maxPeerSubscriptions, subscriptions >= limit {
            return Draft18.RequestError(code: .excessiveLoad, retryInterval: retry, reason: "too many subscriptions in this session (limit \(limit))")
        }
        if let limit = configuration.maxPeerRequests, open >= limit {
            return Draft18.RequestError(code: .excessiveLoad, retryInterval: retry, reason: "too many open requests in this session (limit \(limit))")
        }
        return nil
    }

    func replyError(_ streamID: UInt64, _ e: Draft18.RequestError) throws {
        guard let id = requests[streamID]?.requestID else { return }
        send(.requestError(e), on: streamID)
        finishStream(streamID)
        requests[streamID]?.writeClosed = true
        requests[streamID]?.phase = .ended
        noteEnded(id)
        if let r = requests[streamID], r.isSubscriberSide, let alias = r.trackAlias {
            // A refused PUBLISH: its data is no longer wanted.
            receivedAliases[alias] = nil
            noteRetiredAlias(alias)
            dropIncomingSubgroups(of: id, code: StreamResetCode.cancelled.rawValue)
        }
        removeIfDone(streamID)
    }

    /// Stops reading the subgroup streams of subscription `requestID`.
    func dropIncomingSubgroups(of requestID: UInt64, code: UInt64) {
        for (sid, u) in incoming.sorted(by: { $0.key < $1.key }) {
            if case .subgroup(let rid?, _) = u.kind, rid == requestID { discardIncoming(sid, code: code) }
        }
    }

    /// A request stream was reset or stopped by the peer: the request is cancelled.
    func cancelRequestStream(_ streamID: UInt64, code: UInt64) {
        guard var r = requests[streamID] else { return }
        let wasEnded = r.phase == .ended
        r.phase = .ended
        if !r.writeClosed {
            r.writeClosed = true
            resetStream(streamID, code: code)
        }
        if !r.readClosed {
            r.readClosed = true
            discardedStreams.insert(streamID)
            try? transport.stopSending(streamID: streamID, errorCode: code)
        }
        requests[streamID] = r
        guard let requestID = r.requestID else {
            requests[streamID] = nil
            return
        }
        if r.isPublisherSide {
            if let a = r.trackAlias { sentAliases[a] = nil }
            for (sid, o) in outgoing.sorted(by: { $0.key < $1.key }) where o.requestID == requestID && !o.ended {
                outgoing[sid]?.ended = true
                resetStream(sid, code: StreamResetCode.cancelled.rawValue)
            }
        }
        if r.kind == .fetch && !r.isLocal {
            for (sid, o) in outgoing.sorted(by: { $0.key < $1.key }) where o.requestID == requestID && !o.ended {
                outgoing[sid]?.ended = true
                resetStream(sid, code: StreamResetCode.cancelled.rawValue)
            }
        }
        localFetchOrders[requestID] = nil
        if !wasEnded { emit(.requestCancelled(requestID: requestID, code: code)) }
        if r.isSubscriberSide, let a = r.trackAlias {
            receivedAliases[a] = nil
            noteRetiredAlias(a)
            dropIncomingSubgroups(of: requestID, code: code)
        }
        noteEnded(requestID)
        requests[streamID] = nil
    }
}
