extension MoQTSession {
    // MARK: Transport inputs

    /// The peer opened a stream (call before its first data; data on an unannounced stream
    /// opens it implicitly, its direction taken from QUIC stream ID bit 0x2).
    public func handleStreamOpened(streamID: UInt64, bidirectional: Bool) {
        guard !isClosed else { return }
        if bidirectional {
            if requests[streamID] == nil {
                var r = RequestStream(streamID: streamID, isLocal: false, decodeOptions: decodeOptions)
                r.writeClosed = false
                requests[streamID] = r
            }
        } else if incoming[streamID] == nil {
            let orders = localFetchOrders
            var parser = Draft18.DataStreamParser(groupOrderForFetch: { orders[$0] ?? .ascending })
            parser.draft = draft
            parser.maxObjectPayload = configuration.maxObjectSize
            incoming[streamID] = IncomingUniStream(parser: parser)
        }
    }

    /// Bytes arrived on a stream; `fin` when they end it.
    public func handleStreamData(streamID: UInt64, bytes: [UInt8], fin: Bool) {
        guard !isClosed else { return }
        if discardedStreams.contains(streamID) {
            if fin { discardedStreams.remove(streamID) }
            return
        }
        if peerSetupOptions == nil {
            bytesBeforeSetup += bytes.count
            if bytesBeforeSetup > configuration.maxBytesBeforeSetup {
                closeSession(.protocolViolation("more than \(configuration.maxBytesBeforeSetup) bytes before SETUP"), byPeer: false)
                return
            }
        }
        if requests[streamID] == nil && incoming[streamID] == nil && streamID != peerControlStreamID {
            if outgoing[streamID] != nil || streamID == controlStreamID {
                closeSession(.protocolViolation("data on a locally opened unidirectional stream"), byPeer: false)
                return
            }
            handleStreamOpened(streamID: streamID, bidirectional: streamID & 0x2 == 0)
        }
        do {
            if streamID == peerControlStreamID {
                peerControlParser?.append(bytes)
                if fin { throw MoQTError.protocolViolation("control stream closed") }
                try pumpControl()
            } else if var r = requests[streamID] {
                r.parser.append(bytes)
                if fin { r.readClosed = true }
                requests[streamID] = r
                try pumpRequest(streamID)
            } else if var u = incoming[streamID] {
                u.parser.append(bytes)
                if fin { u.finReceived = true }
                incoming[streamID] = u
                try pumpIncoming(streamID)
            }
        } catch let e as MoQTError {
            closeSession(e, byPeer: false)
        } catch {
            closeSession(MoQTError(.internalError, "\(error)"), byPeer: false)
        }
    }

    /// The peer reset its send side of a stream (RESET_STREAM).
    public func handleStreamReset(streamID: UInt64, errorCode: UInt64) {
        guard !isClosed else { return }
        if discardedStreams.remove(streamID) != nil { return }
        if streamID == peerControlStreamID {
            closeSession(.protocolViolation("control stream reset"), byPeer: false)
        } else if requests[streamID] != nil {
            requests[streamID]?.readClosed = true
            cancelRequestStream(streamID, code: errorCode)
        } else if var u = incoming[streamID] {
            guard !u.ended else { return }
            u.ended = true
            incoming[streamID] = u
            switch u.kind {
            case .subgroup(let requestID?, let header):
                emit(.subgroupReset(requestID: requestID, streamID: streamID, groupID: header.groupID,
                                    subgroupID: u.parser.subgroupID, code: errorCode))
                noteSubgroupClosed(requestID)
            case .subgroup(nil, let header):
                earlyResets[header.trackAlias, default: []].append((streamID, header.groupID, u.parser.subgroupID, errorCode))
            case .fetch(let requestID):
                emit(.fetchReset(requestID: requestID, code: errorCode))
                if !isLocalSubscription(requestID) {
                    localFetchOrders[requestID] = nil
                    noteEnded(requestID)
                }
            case .control:
                closeSession(.protocolViolation("control stream reset"), byPeer: false)
            default: break
            }
            incoming[streamID] = nil
        }
    }

    /// The peer asked this side to stop sending on a stream (STOP_SENDING). The session resets
    /// the stream with the same code.
    public func handleStopSending(streamID: UInt64, errorCode: UInt64) {
        guard !isClosed else { return }
        if streamID == controlStreamID {
            closeSession(.protocolViolation("STOP_SENDING on the control stream"), byPeer: false)
        } else if requests[streamID] != nil {
            cancelRequestStream(streamID, code: errorCode)
        } else if var o = outgoing[streamID], !o.ended {
            o.ended = true
            outgoing[streamID] = o
            resetStream(streamID, code: errorCode)
            emit(.dataStreamStopped(streamID: streamID, code: errorCode))
        }
    }

    /// A QUIC datagram arrived.
    public func handleDatagram(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        do {
            guard case .object(let d) = try Draft18.Datagram.decode(bytes) else { return }
            guard let requestID = receivedAliases[d.trackAlias] else {
                if hasPendingLocalSubscribe && !retiredAliases.contains(d.trackAlias) {
                    // Datagrams can overtake SUBSCRIBE_OK, like streams: keep them until it arrives.
                    if parkedDatagrams.count < Self.maxParkedDatagrams { parkedDatagrams.append(d) }
                    return
                }
                if retiredAliases.contains(d.trackAlias) || cancelledBeforeAlias > 0 { return }
                throw MoQTError.protocolViolation("datagram for unknown track alias \(d.trackAlias)")
            }
            emitDatagram(d, requestID: requestID)
        } catch let e as MoQTError {
            closeSession(e, byPeer: false)
        } catch {
            closeSession(.protocolViolation("bad datagram"), byPeer: false)
        }
    }

    func emitDatagram(_ d: Draft18.ObjectDatagram, requestID: UInt64) {
        let status: ObjectStatus
        let payload: [UInt8]
        switch d.content {
        case .payload(let p): status = .normal; payload = p
        case .status(let s): status = s; payload = []
        }
        emit(.object(MoQTReceivedObject(requestID: requestID, trackAlias: d.trackAlias, groupID: d.groupID, subgroupID: nil,
                                        objectID: d.objectID, publisherPriority: d.publisherPriority ?? defaultPriority(requestID),
                                        properties: d.properties, status: status, payload: payload, streamID: nil,
                                        endOfGroup: d.endOfGroup)))
    }

    // MARK: Pumping

    /// Re-examines every stream (after SETUP or a SUBSCRIBE_OK unblocked them).
    func pumpAll() {
        do {
            if peerControlStreamID != nil { try pumpControl() }
            for id in Array(incoming.keys).sorted() where !isClosed { try pumpIncoming(id) }
            for id in Array(requests.keys).sorted() where !isClosed { try pumpRequest(id) }
        } catch let e as MoQTError {
            closeSession(e, byPeer: false)
        } catch {
            closeSession(MoQTError(.internalError, "\(error)"), byPeer: false)
        }
    }

    func defaultPriority(_ requestID: UInt64) -> UInt8 { request(requestID)?.defaultPublisherPriority ?? 128 }

    var hasPendingLocalSubscribe: Bool {
        requests.values.contains { $0.isLocal && $0.kind == .subscribe && $0.phase == .awaitingResponse }
    }

    func pumpControl() throws {
        while !isClosed, var p = peerControlParser, let m = try p.next() {
            peerControlParser = p
            try handleControlMessage(m)
        }
    }

    func handleControlMessage(_ m: Draft18.ControlMessage) throws {
        switch m {
        case .setup(let s):
            guard peerSetupOptions == nil else { throw MoQTError.protocolViolation("second SETUP") }
            if role == .client && (s.options.path != nil || s.options.authority != nil) {
                throw MoQTError.protocolViolation("server sent PATH or AUTHORITY")
            }
            if role == .server {
                // §10.2.2: a server receiving Alias Type DELETE or USE_ALIAS in SETUP closes the session.
                for t in s.options.authorizationTokens {
                    switch t {
                    case .delete, .useAlias:
                        throw MoQTError.protocolViolation("AUTHORIZATION TOKEN with Alias Type \(t.aliasType == 0 ? "DELETE" : "USE_ALIAS") in SETUP")
                    case .register, .useValue:
                        break
                    }
                }
            }
            var options = s.options
            options.authorizationTokens = peerTokens.resolveSetup(s.options.authorizationTokens)
            peerSetupOptions = options
            setupDeadline = nil
            if state == .setupSent {
                state = .ready
                emit(.ready(peerOptions: options))
            }
            // Streams that arrived before SETUP can be processed now.
            for id in Array(incoming.keys).sorted() where !isClosed { try pumpIncoming(id) }
            for id in Array(requests.keys).sorted() where !isClosed { try pumpRequest(id) }
        case .goAway(let g):
            guard peerSetupOptions != nil else { throw MoQTError.protocolViolation("GOAWAY before SETUP") }
            guard receivedGoAway == nil else { throw MoQTError.protocolViolation("second GOAWAY") }
            if role == .server && !g.newSessionURI.isEmpty { throw MoQTError.protocolViolation("client GOAWAY with a URI") }
            // §10.4: the Request ID is the smallest of the receiver's own request IDs the sender
            // did not process, so it has the receiver's parity.
            if let id = g.requestID, id % 2 != nextLocalRequestID % 2 {
                throw MoQTError(.invalidRequestID, "GOAWAY request ID \(id) has the sender's parity")
            }
            receivedGoAway = g
            emit(.goAway(g))
        default:
            if peerSetupOptions == nil { throw MoQTError.protocolViolation("control stream must start with SETUP") }
            throw MoQTError.protocolViolation("\(m.name) on the control stream")
        }
    }

    /// Consumes what a peer unidirectional stream has.
    func pumpIncoming(_ streamID: UInt64) throws {
        guard var u = incoming[streamID], !u.ended, !u.parked else { return }
        defer { if incoming[streamID] != nil { incoming[streamID] = u } }
        while !isClosed {
            let event: Draft18.DataStreamParser.Event
            if let h = u.held, peerSetupOptions != nil {
                event = h
                u.held = nil
            } else {
                // Before the peer's SETUP only its control stream is read; another stream's
                // first item waits.
                if u.held != nil { return }
                let next: Draft18.DataStreamParser.Event?
                do { next = try u.parser.next() } catch let tooLarge as Draft18.ObjectTooLarge {
                    u.ended = true
                    abandonOversizedStream(streamID, kind: u.kind, subgroupID: u.parser.subgroupID, tooLarge)
                    return
                }
                guard let e = next else { break }
                if peerSetupOptions == nil, e != .controlStream {
                    u.held = e
                    return
                }
                event = e
            }
            switch event {
            case .controlStream:
                guard peerControlStreamID == nil else { throw MoQTError.protocolViolation("second control stream") }
                peerControlStreamID = streamID
                var p = Draft18.ControlStreamParser(options: decodeOptions)
                p.append(u.parser.takeBufferedBytes())
                peerControlParser = p
                let fin = u.finReceived
                incoming[streamID] = nil
                if fin { throw MoQTError.protocolViolation("control stream closed") }
                try pumpControl()
                return
            case .padding:
                u.kind = .padding
            case .subgroupHeader(let h):
                guard let requestID = receivedAliases[h.trackAlias] else {
                    if hasPendingLocalSubscribe && !retiredAliases.contains(h.trackAlias) {
                        // Data can overtake SUBSCRIBE_OK: keep the object bytes until it arrives.
                        u.kind = .subgroup(requestID: nil, header: h)
                        u.parked = true
                        return
                    }
                    // Late data of an ended subscription, or a track alias nobody established
                    // (§11.4.2: the receiver MAY abandon the stream): STOP_SENDING, the session goes on.
                    discardIncoming(streamID, code: StreamResetCode.cancelled.rawValue)
                    return
                }
                u.kind = .subgroup(requestID: requestID, header: h)
                noteSubgroupOpened(requestID)
            case .subgroupObject(let o):
                guard case .subgroup(let requestID?, let h) = u.kind else { throw MoQTError.protocolViolation("object before header") }
                emit(.object(MoQTReceivedObject(requestID: requestID, trackAlias: h.trackAlias, groupID: h.groupID,
                                                subgroupID: u.parser.subgroupID, objectID: o.objectID,
                                                publisherPriority: h.publisherPriority ?? defaultPriority(requestID), properties: o.properties,
                                                status: o.status, payload: o.payload, streamID: streamID, endOfGroup: h.endOfGroup)))
            case .fetchHeader(let h):
                guard let order = localFetchOrders[h.requestID] ?? (isLocalSubscription(h.requestID) && draft == .draft22 ? .ascending : nil) else {
                    if endedRequests.contains(h.requestID) {
                        discardIncoming(streamID, code: StreamResetCode.cancelled.rawValue)
                        return
                    }
                    throw MoQTError.protocolViolation("fetch stream for unknown request \(h.requestID)")
                }
                _ = order
                u.kind = .fetch(requestID: h.requestID)
            case .fetchItem(let item):
                guard case .fetch(let requestID) = u.kind else { throw MoQTError.protocolViolation("fetch item before header") }
                switch item {
                case .object(let o): emit(.fetchObject(requestID: requestID, o))
                case .endOfRange(let l, let nonExistent): emit(.fetchEndOfRange(requestID: requestID, l, nonExistent: nonExistent))
                }
            case .subgroupObjectHeader, .fetchObjectHeader, .payload:
                throw MoQTError(.internalError, "streaming payload event from a whole-object parser")
            }
        }
        if u.finReceived && !u.parked && !u.ended && u.held == nil {
            try u.parser.finish()
            u.ended = true
            switch u.kind {
            case .subgroup(let requestID?, let h):
                emit(.subgroupEnded(requestID: requestID, streamID: streamID, groupID: h.groupID, subgroupID: u.parser.subgroupID))
                incoming[streamID] = nil
                noteSubgroupClosed(requestID)
            case .fetch(let requestID):
                emit(.fetchEnded(requestID: requestID))
                incoming[streamID] = nil
                if !isLocalSubscription(requestID) {   // a fill stream ends, its subscription goes on
                    localFetchOrders[requestID] = nil
                    noteEnded(requestID)
                }
            case .unknown:
                // A stream that ended before its type arrived.
                if peerSetupOptions != nil || u.parser.bufferedByteCount == 0 { incoming[streamID] = nil }
            default:
                incoming[streamID] = nil
            }
        }
    }

    /// An object larger than `maxObjectSize` arrived on `streamID`: its subscription (or fetch)
    /// sees the stream reset with EXCESSIVE_LOAD, and the peer is asked with STOP_SENDING to stop
    /// sending it; nothing of the object is buffered and the session goes on.
    func abandonOversizedStream(_ streamID: UInt64, kind: IncomingUniStream.Kind, subgroupID: UInt64?, _ tooLarge: Draft18.ObjectTooLarge) {
        let code = StreamResetCode.excessiveLoad.rawValue
        switch kind {
        case .subgroup(let requestID?, let header):
            emit(.subgroupReset(requestID: requestID, streamID: streamID, groupID: header.groupID, subgroupID: subgroupID, code: code))
            noteSubgroupClosed(requestID)
        case .fetch(let requestID):
            emit(.fetchReset(requestID: requestID, code: code))
            if !isLocalSubscription(requestID) {
                localFetchOrders[requestID] = nil
                noteEnded(requestID)
            }
        default:
            break
        }
        discardIncoming(streamID, code: code)
    }

    /// Releases streams parked on unknown aliases after a SUBSCRIBE was answered.
    func unparkStreams() throws {
        for (alias, resets) in earlyResets {
            if let requestID = receivedAliases[alias] {
                earlyResets[alias] = nil
                for r in resets {
                    emit(.subgroupReset(requestID: requestID, streamID: r.streamID, groupID: r.groupID, subgroupID: r.subgroupID, code: r.code))
                    noteSubgroupOpened(requestID)
                    noteSubgroupClosed(requestID)
                }
            } else if !hasPendingLocalSubscribe {
                earlyResets[alias] = nil
            }
        }
        if !parkedDatagrams.isEmpty {
            let parked = parkedDatagrams
            parkedDatagrams = []
            for d in parked {
                if let requestID = receivedAliases[d.trackAlias] {
                    emitDatagram(d, requestID: requestID)
                } else if hasPendingLocalSubscribe && !retiredAliases.contains(d.trackAlias) {
                    parkedDatagrams.append(d)
                }  // else no subscription of ours: dropped, as it would have been on arrival
            }
        }
        for (id, u) in incoming.sorted(by: { $0.key < $1.key }) where u.parked {
            guard case .subgroup(nil, let h) = u.kind else { continue }
            if let requestID = receivedAliases[h.trackAlias] {
                var v = u
                v.parked = false
                v.kind = .subgroup(requestID: requestID, header: h)
                incoming[id] = v
                noteSubgroupOpened(requestID)
                try pumpIncoming(id)
            } else if !hasPendingLocalSubscribe {
                // No SUBSCRIBE of ours established this alias: abandoned (§11.4.2).
                discardIncoming(id, code: StreamResetCode.cancelled.rawValue)
            }
        }
    }

    func noteSubgroupOpened(_ requestID: UInt64) {
        guard let s = requestStreams[requestID] else { return }
        requests[s]?.streamsSeen += 1
    }

    func noteSubgroupClosed(_ requestID: UInt64) {
        guard let s = requestStreams[requestID] else { return }
        requests[s]?.streamsClosed += 1
        checkSubscriptionFinished(s)
    }

    /// After PUBLISH_DONE, reports when every counted stream has ended.
    func checkSubscriptionFinished(_ streamID: UInt64) {
        guard let r = requests[streamID], let done = r.publishDone, !r.finishedReported, let id = r.requestID else { return }
        if r.streamsClosed >= done.streamCount && r.streamsSeen == r.streamsClosed {
            requests[streamID]?.finishedReported = true
            emit(.subscriptionFinished(requestID: id, streamsReceived: r.streamsClosed))
            retire(streamID)
            removeIfDone(streamID)
        }
    }

    /// Forgets a request whose stream is done in both directions and whose data is done.
    func retire(_ streamID: UInt64) {
        guard let r = requests[streamID] else { return }
        if let id = r.requestID { noteEnded(id) }
        if r.isSubscriberSide, let alias = r.trackAlias, r.publishDone == nil || r.finishedReported {
            // Keep routing data until PUBLISH_DONE's streams have all arrived.
            receivedAliases[alias] = nil
            noteRetiredAlias(alias)
        }
    }
}

extension MoQTSession {
    /// Whether `requestID` is a SUBSCRIBE this side sent (a fetch stream under it is a draft-22 fill stream).
    func isLocalSubscription(_ requestID: UInt64) -> Bool {
        guard let s = requestStreams[requestID], let r = requests[s] else { return false }
        return r.isLocal && r.kind == .subscribe
    }
}
