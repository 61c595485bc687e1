extension MoQTSession {
    // MARK: Requests this side sends

    /// Opens a request stream and sends the request built for the new Request ID.
    func openRequest(_ kind: RequestKind, _ build: (UInt64) -> Draft18.ControlMessage) throws -> UInt64 {
        try requireOpen()
        if receivedGoAway != nil { throw MoQTSessionError.goingAway }
        let streamID: UInt64
        do { streamID = try transport.openStream(bidirectional: true) } catch {
            throw MoQTSessionError.transport("\(error)")
        }
        let id = allocateRequestID()
        var r = RequestStream(streamID: streamID, isLocal: true, decodeOptions: decodeOptions)
        r.requestID = id
        r.kind = kind
        requests[streamID] = r
        requestStreams[id] = streamID
        transport.setPriority(streamID: streamID, priority: .control)
        send(build(id), on: streamID)
        return id
    }

    /// Subscribes to `track` and returns the Request ID. Answers arrive as `.subscribeOK` or
    /// `.requestError`; objects as `.object` events carrying this ID.
    public func subscribe(_ track: FullTrackName, filter: SubscriptionFilter? = nil, subscriberPriority: UInt8? = nil,
                          groupOrder: GroupOrder? = nil, forward: Bool? = nil,
                          parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        var p = parameters
        if let f = filter { p.subscriptionFilter = f }
        if let s = subscriberPriority { p.subscriberPriority = s }
        if let o = groupOrder { p.groupOrder = o }
        if let f = forward { p.forward = f }
        let id = try openRequest(.subscribe) { .subscribe(Draft18.Subscribe(requestID: $0, track: track, parameters: p)) }
        if let s = requestStreams[id] {
            requests[s]?.track = track
            applySubscriptionParameters(p, to: s)
        }
        return id
    }

    /// A standalone FETCH of `track` from `start` to `end` (an `end.object` of 0 means the whole
    /// end group). Objects arrive as `.fetchObject` events.
    public func fetch(_ track: FullTrackName, start: Location, end: Location, subscriberPriority: UInt8? = nil,
                      groupOrder: GroupOrder? = nil, parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        try fetch(range: .standalone(track: track, start: start, end: end), subscriberPriority: subscriberPriority,
                  groupOrder: groupOrder, parameters: parameters)
    }

    /// A FETCH of any range (standalone, or joining subscription `requestID` of this side).
    public func fetch(range: FetchRange, subscriberPriority: UInt8? = nil, groupOrder: GroupOrder? = nil,
                      parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        switch range {
        case .relativeJoining(let joined, _), .absoluteJoining(let joined, _):
            guard draft == .draft18 else { throw MoQTSessionError.notInDraft("joining FETCH") }
            guard let r = request(joined), r.isLocal, r.kind == .subscribe else { throw MoQTSessionError.invalidRequest(joined) }
        case .standalone: break
        }
        var p = parameters
        if let s = subscriberPriority { p.subscriberPriority = s }
        if let o = groupOrder { p.groupOrder = o }
        let id = try openRequest(.fetch) { .fetch(Draft18.Fetch(requestID: $0, range: range, parameters: p)) }
        localFetchOrders[id] = p.groupOrder ?? .ascending
        if let s = requestStreams[id] { applySubscriptionParameters(p, to: s) }
        return id
    }

    /// Asks for `track`'s status; the answer is `.requestOK` (LARGEST_OBJECT among its parameters).
    public func trackStatus(_ track: FullTrackName, parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        try openRequest(.trackStatus) { .trackStatus(Draft18.TrackStatus(requestID: $0, track: track, parameters: parameters)) }
    }

    /// Announces `namespace` (PUBLISH_NAMESPACE); the answer is `.requestOK` or `.requestError`.
    /// Withdraw it with `cancel(_:)`.
    public func publishNamespace(_ namespace: TrackNamespace, parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        try openRequest(.publishNamespace) {
            .publishNamespace(Draft18.PublishNamespace(requestID: $0, namespace: namespace, parameters: parameters))
        }
    }

    /// Subscribes to namespaces under `prefix`: `.namespace` / `.namespaceDone` events follow.
    public func subscribeNamespace(_ prefix: TrackNamespace, parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        try openRequest(.subscribeNamespace) {
            .subscribeNamespace(Draft18.SubscribeNamespace(requestID: $0, prefix: prefix, parameters: parameters))
        }
    }

    /// Subscribes to the tracks published under `prefix` (the peer then sends PUBLISH requests).
    public func subscribeTracks(_ prefix: TrackNamespace, parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        try openRequest(.subscribeTracks) {
            .subscribeTracks(Draft18.SubscribeTracks(requestID: $0, prefix: prefix, parameters: parameters))
        }
    }

    /// Sends REQUEST_UPDATE on request `requestID`'s stream (e.g. FORWARD or SUBSCRIBER_PRIORITY)
    /// and returns the update's own Request ID, which its `.requestOK` / `.requestError` carries.
    public func requestUpdate(_ requestID: UInt64, parameters: MessageParameters) throws -> UInt64 {
        try requireOpen()
        guard let s = requestStreams[requestID], let r = requests[s], r.phase != .ended, !r.writeClosed else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        if draft == .draft22, let limit = peerSetupOptions?.maxRequestUpdates, limit > 0, UInt64(r.pendingUpdates.count) >= limit {
            // The peer closes the session past its MAX_REQUEST_UPDATES.
            throw MoQTSessionError.tooManyUpdates(requestID)
        }
        let id = allocateRequestID()
        requests[s]?.pendingUpdates.append(id)
        if r.isSubscriberSide || r.kind == .fetch { applySubscriptionParameters(parameters, to: s) }
        send(.requestUpdate(Draft18.RequestUpdate(requestID: id, parameters: parameters)), on: s)
        return id
    }

    /// Cancels request `requestID` (unsubscribe, fetch cancel, namespace withdrawal...): resets
    /// its stream and asks the peer to stop sending on it. Late data for it is ignored.
    public func cancel(_ requestID: UInt64, code: StreamResetCode = .cancelled) throws {
        try requireOpen()
        guard let s = requestStreams[requestID], var r = requests[s] else { throw MoQTSessionError.invalidRequest(requestID) }
        r.phase = .ended
        if !r.writeClosed { r.writeClosed = true; resetStream(s, code: code.rawValue) }
        if !r.readClosed {
            r.readClosed = true
            discardedStreams.insert(s)
            try? transport.stopSending(streamID: s, errorCode: code.rawValue)
        }
        requests[s] = r
        if r.isSubscriberSide, let a = r.trackAlias {
            receivedAliases[a] = nil
            noteRetiredAlias(a)
            dropIncomingSubgroups(of: requestID, code: code.rawValue)
        }
        if r.isSubscriberSide && r.trackAlias == nil {
            cancelledBeforeAlias += 1
            requests[s] = nil
            try? unparkStreams()
        }
        if r.isPublisherSide {
            if let a = r.trackAlias { sentAliases[a] = nil }
            for (sid, o) in outgoing.sorted(by: { $0.key < $1.key }) where o.requestID == requestID && !o.ended {
                outgoing[sid]?.ended = true
                resetStream(sid, code: code.rawValue)
            }
        }
        if r.kind == .fetch {
            localFetchOrders[requestID] = nil
            for (sid, u) in incoming.sorted(by: { $0.key < $1.key }) {
                if case .fetch(let rid) = u.kind, rid == requestID { discardIncoming(sid, code: code.rawValue) }
            }
        }
        noteEnded(requestID)
        requests[s] = nil
    }

    /// Unsubscribes: `cancel(_:)` of a subscription.
    public func unsubscribe(_ requestID: UInt64) throws { try cancel(requestID) }

    /// Accepts the peer's PUBLISH (REQUEST_OK, i.e. PUBLISH_OK) with the forward state wanted.
    public func acceptPublish(_ requestID: UInt64, forward: Bool = true, subscriberPriority: UInt8? = nil,
                              parameters: MessageParameters = MessageParameters()) throws {
        guard let r = request(requestID), r.kind == .publish, !r.isLocal else { throw MoQTSessionError.invalidRequest(requestID) }
        var p = parameters
        p.forward = forward
        if let s = subscriberPriority { p.subscriberPriority = s }
        if draft == .draft22 {
            // draft-22's PUBLISH_OK carries only EXPIRES: the subscription parameters follow in a
            // REQUEST_UPDATE (answered by a REQUEST_OK the application sees as `.requestOK`).
            var ok = MessageParameters()
            ok.expires = p.expires
            var update = p
            update.expires = nil
            update.largestObject = nil
            try accept(requestID, parameters: ok)
            if !(update.forward == r.forward && update.subscriberPriority == nil && update.groupOrder == nil
                 && update.subscriptionFilter == nil) {
                _ = try requestUpdate(requestID, parameters: update)
            }
            requests[r.streamID]?.forward = forward
            return
        }
        try accept(requestID, parameters: p)
        requests[r.streamID]?.forward = forward
    }
}
