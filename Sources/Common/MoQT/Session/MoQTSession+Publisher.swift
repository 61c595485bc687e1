import Wire

extension MoQTSession {
    // MARK: Answering the peer's requests

    /// Accepts the peer's SUBSCRIBE with SUBSCRIBE_OK and returns the track alias. Pass
    /// `trackAlias` to choose it (a relay reusing its upstream alias); otherwise the session picks
    /// an unused one. `largest` is the largest object published so far (it anchors the
    /// subscription filter and is sent as LARGEST_OBJECT).
    @discardableResult
    public func acceptSubscribe(_ requestID: UInt64, trackAlias: UInt64? = nil, largest: Location? = nil,
                                parameters: MessageParameters = MessageParameters(),
                                trackProperties: [KeyValuePair] = []) throws -> UInt64 {
        try requireOpen()
        guard let r = request(requestID), r.kind == .subscribe, !r.isLocal, r.phase == .awaitingResponse, !r.writeClosed else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        let alias = try claimAlias(trackAlias, for: requestID)
        var p = parameters
        if let l = largest { p.largestObject = l }
        let s = r.streamID
        requests[s]?.trackAlias = alias
        requests[s]?.phase = .established
        setWindow(s, filter: r.filter, largest: largest)
        send(.subscribeOK(Draft18.SubscribeOK(trackAlias: alias, parameters: p, trackProperties: trackProperties)), on: s)
        return alias
    }

    /// Sends REQUEST_OK for the peer's request (PUBLISH_NAMESPACE, SUBSCRIBE_NAMESPACE,
    /// SUBSCRIBE_TRACKS, TRACK_STATUS, or PUBLISH as PUBLISH_OK).
    public func accept(_ requestID: UInt64, parameters: MessageParameters = MessageParameters(),
                       trackProperties: [KeyValuePair] = []) throws {
        try requireOpen()
        guard let r = request(requestID), !r.isLocal, r.phase == .awaitingResponse, !r.writeClosed,
              r.kind != .subscribe, r.kind != .fetch else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        requests[r.streamID]?.phase = .established
        send(.requestOK(Draft18.RequestOK(parameters: parameters, trackProperties: trackProperties)), on: r.streamID)
        if r.kind == .trackStatus {
            // TRACK_STATUS is answered once.
            finishStream(r.streamID)
            requests[r.streamID]?.writeClosed = true
            requests[r.streamID]?.phase = .ended
            streamReadEnded(r.streamID)
        }
    }

    /// Refuses the peer's request with REQUEST_ERROR and ends its stream.
    public func reject(_ requestID: UInt64, code: RequestErrorCode, reason: String = "", retryInterval: UInt64 = 0) throws {
        try requireOpen()
        guard let r = request(requestID), !r.isLocal, r.phase == .awaitingResponse, !r.writeClosed else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        try replyError(r.streamID, Draft18.RequestError(code: code, retryInterval: retryInterval, reason: reason))
    }

    /// Accepts the peer's FETCH with FETCH_OK, opens the fetch stream (FETCH_HEADER written) and
    /// returns its stream ID for `writeFetchItem`.
    public func acceptFetch(_ requestID: UInt64, endOfTrack: Bool, endLocation: Location,
                            parameters: MessageParameters = MessageParameters()) throws -> UInt64 {
        try requireOpen()
        guard let r = request(requestID), r.kind == .fetch, !r.isLocal, r.phase == .awaitingResponse, !r.writeClosed else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        let dataStream = try openDataStream()
        requests[r.streamID]?.phase = .established
        send(.fetchOK(Draft18.FetchOK(endOfTrack: endOfTrack, endLocation: endLocation, parameters: parameters)), on: r.streamID)
        transport.setPriority(streamID: dataStream, priority: MoQTStreamPriority(
            subscriberPriority: r.subscriberPriority, publisherPriority: 128, groupID: 0, subgroupID: 0, groupOrder: r.groupOrder))
        outgoing[dataStream] = OutgoingDataStream(requestID: requestID, kind: .fetch(coder: Draft18.FetchObjectCoder(groupOrder: r.groupOrder)))
        var w = ByteWriter()
        Draft18.FetchHeader(requestID: requestID).encode(into: &w)
        guard send(bytes: w.bytes, on: dataStream) else { throw MoQTSessionError.transport("fetch stream write failed") }
        return dataStream
    }

    /// draft-22: the FILL_PARAMETERS of the peer's SUBSCRIBE `requestID`, if it had any.
    public func fillRequest(ofRequest requestID: UInt64) -> Draft22.FillRequest? { request(requestID)?.fill }

    /// draft-22: opens the fill stream of the peer's accepted SUBSCRIBE `requestID` (a fetch stream
    /// whose FETCH_HEADER carries the SUBSCRIBE's Request ID) for `writeFetchItem`; `endFetch` ends
    /// it (the subscription goes on).
    public func openFillStream(_ requestID: UInt64) throws -> UInt64 {
        try requireOpen()
        guard draft == .draft22 else { throw MoQTSessionError.notInDraft("fill stream") }
        guard let r = request(requestID), r.kind == .subscribe, !r.isLocal, r.phase == .established, !r.writeClosed else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        let order = r.fill?.groupOrder ?? .ascending
        let dataStream = try openDataStream()
        transport.setPriority(streamID: dataStream, priority: MoQTStreamPriority(
            subscriberPriority: r.fill?.subscriberPriority ?? r.subscriberPriority, publisherPriority: 128, groupID: 0, subgroupID: 0,
            groupOrder: order))
        outgoing[dataStream] = OutgoingDataStream(requestID: requestID, kind: .fetch(coder: Draft18.FetchObjectCoder(groupOrder: order)))
        var w = ByteWriter()
        Draft18.FetchHeader(requestID: requestID).encode(into: &w)
        guard send(bytes: w.bytes, on: dataStream) else { throw MoQTSessionError.transport("fill stream write failed") }
        return dataStream
    }

    /// Appends an object or End of Range to a fetch stream.
    public func writeFetchItem(streamID: UInt64, _ item: Draft18.FetchStreamItem) throws {
        try requireOpen()
        guard var o = outgoing[streamID], !o.ended, case .fetch(var coder) = o.kind else { throw MoQTSessionError.invalidStream(streamID) }
        if case .object(let obj) = item {
            if obj.status != .normal {
                throw MoQTSessionError.invalidObject("fetch streams carry no object status (§11.2.1.1)")
            }
            if let prior = o.lastFetchLocation {
                let l = obj.location
                if l.group == prior.group {
                    if l.object < prior.object { throw MoQTSessionError.invalidObject("fetch object \(l) after \(prior)") }
                } else if (coder.groupOrder == .ascending) != (l.group > prior.group) {
                    throw MoQTSessionError.invalidObject("fetch group \(l.group) out of \(coder.groupOrder) order after \(prior.group)")
                }
            }
        }
        if case .object(let obj) = item, let r = request(o.requestID) {
            // draft-22 Range Filters: the FETCH's, or on a fill stream the subscription's with its
            // FILL_PARAMETERS' replacing them type by type.
            let filters = r.rangeFilters.updated(by: r.fill?.rangeFilters ?? [])
            var subgroup: UInt64 = 0
            if case .subgroup(let id) = obj.forwarding { subgroup = id }
            if !filters.admits(subgroupID: subgroup, objectID: obj.location.object, publisherPriority: obj.publisherPriority,
                               properties: obj.properties.pairs) {
                return
            }
        }
        switch item {
        case .object(let obj): o.lastFetchLocation = obj.location
        case .endOfRange(let l, _): o.lastFetchLocation = l
        }
        var w = ByteWriter()
        coder.encode(item, into: &w)
        o.kind = .fetch(coder: coder)
        outgoing[streamID] = o
        guard send(bytes: w.bytes, on: streamID) else {
            outgoing[streamID]?.ended = true
            throw MoQTSessionError.transport("fetch stream write failed")
        }
    }

    /// Ends a fetch stream (FIN) and the fetch's request stream.
    public func endFetch(streamID: UInt64) throws {
        try requireOpen()
        guard let o = outgoing[streamID], !o.ended, case .fetch = o.kind else { throw MoQTSessionError.invalidStream(streamID) }
        outgoing[streamID] = nil
        finishStream(streamID)
        if let s = requestStreams[o.requestID], let r = requests[s], r.kind == .fetch, !r.writeClosed {
            finishStream(s)
            requests[s]?.writeClosed = true
            requests[s]?.phase = .ended
            streamReadEnded(s)
        }
    }

    /// Resets a fetch stream.
    public func resetFetch(streamID: UInt64, code: StreamResetCode) throws {
        try requireOpen()
        guard let o = outgoing[streamID], !o.ended, case .fetch = o.kind else { throw MoQTSessionError.invalidStream(streamID) }
        outgoing[streamID] = nil
        resetStream(streamID, code: code.rawValue)
    }

    /// Sends NAMESPACE on the peer's namespace subscription `requestID`.
    public func sendNamespace(_ requestID: UInt64, suffix: TrackNamespace) throws {
        let s = try namespaceSubscriptionStream(requestID)
        send(.namespace(Draft18.Namespace(suffix: suffix)), on: s)
    }

    /// Sends NAMESPACE_DONE on the peer's namespace subscription `requestID`.
    public func sendNamespaceDone(_ requestID: UInt64, suffix: TrackNamespace) throws {
        let s = try namespaceSubscriptionStream(requestID)
        send(.namespaceDone(Draft18.NamespaceDone(suffix: suffix)), on: s)
    }

    func namespaceSubscriptionStream(_ requestID: UInt64) throws -> UInt64 {
        try requireOpen()
        guard let r = request(requestID), r.kind == .subscribeNamespace, !r.isLocal, r.phase == .established, !r.writeClosed else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        return r.streamID
    }

    // MARK: Publishing

    /// Publishes `track` to the peer (PUBLISH) and returns the Request ID; the track alias is
    /// `trackAlias` or one the session picks (see `trackAlias(ofRequest:)`). Objects may be sent
    /// right away unless `forward` is false; the peer's REQUEST_OK may change the forward state.
    public func publish(_ track: FullTrackName, trackAlias: UInt64? = nil, largest: Location? = nil, forward: Bool? = nil,
                        parameters: MessageParameters = MessageParameters(), trackProperties: [KeyValuePair] = []) throws -> UInt64 {
        try requireOpen()
        if let a = trackAlias, sentAliases[a] != nil { throw MoQTSessionError.trackAliasInUse(a) }
        if receivedGoAway != nil { throw MoQTSessionError.goingAway }
        let alias = trackAlias ?? allocateTrackAlias()
        var p = parameters
        if let l = largest { p.largestObject = l }
        if let f = forward { p.forward = f }
        let id = try openRequest(.publish) {
            .publish(Draft18.Publish(requestID: $0, track: track, trackAlias: alias, parameters: p, trackProperties: trackProperties))
        }
        sentAliases[alias] = id
        if let s = requestStreams[id] {
            requests[s]?.trackAlias = alias
            requests[s]?.track = track
            requests[s]?.forward = forward ?? true
        }
        return id
    }

    func claimAlias(_ wanted: UInt64?, for requestID: UInt64) throws -> UInt64 {
        if let a = wanted {
            if sentAliases[a] != nil { throw MoQTSessionError.trackAliasInUse(a) }
            sentAliases[a] = requestID
            return a
        }
        let a = allocateTrackAlias()
        sentAliases[a] = requestID
        return a
    }

    /// Computes which locations a subscription passes (draft-18 §5.1.2).
    func setWindow(_ streamID: UInt64, filter: SubscriptionFilter?, largest: Location?) {
        var start: Location?
        var endGroup: UInt64?
        if let filter {
            start = filter.startLocation(largest: largest)
            if case .absoluteRange = filter { endGroup = filter.endGroup ?? UInt64.max }
            if case .absoluteRangeToObject = filter { endGroup = filter.endGroup }
        }
        requests[streamID]?.windowStart = start
        requests[streamID]?.windowEndGroup = endGroup
        requests[streamID]?.windowEndObject = filter?.endObject
    }

    /// The first location and last group subscription `requestID` (published by this side)
    /// wants, as fixed by its filter when it was accepted; nil parts are unbounded.
    public func subscriptionWindow(ofRequest requestID: UInt64) -> (start: Location?, endGroup: UInt64?)? {
        guard let r = request(requestID), r.isPublisherSide else { return nil }
        return (r.windowStart, r.windowEndGroup)
    }

    /// The MAX_FILTER_RANGES this side sends at draft-22 (0: none, every Range Filter refused).
    var maxFilterRanges: UInt64 { configuration.setupOptions.maxFilterRanges ?? configuration.maxFilterRanges }

    /// The draft-22 Range Filters in effect on request `requestID` (empty: none).
    public func rangeFilters(ofRequest requestID: UInt64) -> RangeFilterSet {
        request(requestID)?.rangeFilters ?? RangeFilterSet()
    }

    /// The publisher-side subscription for data calls.
    func publishingRequest(_ requestID: UInt64) throws -> RequestStream {
        try requireOpen()
        guard let r = request(requestID), r.isPublisherSide, r.phase != .ended, !r.writeClosed else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        if r.kind == .subscribe && r.phase != .established { throw MoQTSessionError.invalidRequest(requestID) }
        guard r.forward else { throw MoQTSessionError.notForwarding(requestID) }
        if !configuration.enforceSubscriptionFilters {
            var unbounded = r
            unbounded.windowStart = nil
            unbounded.windowEndGroup = nil
            unbounded.windowEndObject = nil
            return unbounded
        }
        return r
    }

    func openDataStream() throws -> UInt64 {
        do { return try transport.openStream(bidirectional: false) } catch {
            throw MoQTSessionError.transport("\(error)")
        }
    }

    /// Opens a subgroup stream of subscription `requestID` and writes its SUBGROUP_HEADER;
    /// returns the stream ID for `writeObject`. `publisherPriority` nil uses the track default
    /// (DEFAULT_PRIORITY, no byte); `hasProperties` lets objects carry properties;
    /// `firstObject` says the stream starts at the subgroup's first object; `trackAliasLength`
    /// pins the alias's vi64 length so a relay can rewrite it in place.
    public func openSubgroup(_ requestID: UInt64, groupID: UInt64, subgroupID: Draft18.SubgroupHeader.SubgroupID = .zero,
                             publisherPriority: UInt8? = nil, hasProperties: Bool = false, endOfGroup: Bool = false,
                             firstObject: Bool = false, trackAliasLength: Int? = nil) throws -> UInt64 {
        let r = try publishingRequest(requestID)
        guard let alias = r.trackAlias else { throw MoQTSessionError.invalidRequest(requestID) }
        if let start = r.windowStart, groupID < start.group { throw MoQTSessionError.outsideSubscription(Location(group: groupID, object: 0)) }
        if let end = r.windowEndGroup, groupID > end { throw MoQTSessionError.outsideSubscription(Location(group: groupID, object: 0)) }
        if let l = trackAliasLength, !(1...9).contains(l) { throw MoQTSessionError.invalidObject("track alias length \(l)") }
        let header = Draft18.SubgroupHeader(trackAlias: alias, groupID: groupID, subgroupID: subgroupID, publisherPriority: publisherPriority,
                                            hasProperties: hasProperties, endOfGroup: endOfGroup, firstObject: firstObject)
        let streamID = try openDataStream()
        var known: UInt64?
        switch subgroupID {
        case .zero: known = 0
        case .explicit(let id): known = id
        case .firstObjectID: known = nil
        }
        transport.setPriority(streamID: streamID, priority: MoQTStreamPriority(
            subscriberPriority: r.subscriberPriority, publisherPriority: publisherPriority ?? 128,
            groupID: groupID, subgroupID: known ?? 0, groupOrder: r.groupOrder))
        outgoing[streamID] = OutgoingDataStream(requestID: requestID, kind: .subgroup(header: header, coder: Draft18.SubgroupObjectCoder(header: header)),
                                                subgroupID: known)
        requests[r.streamID]?.streamsOpened += 1
        var w = ByteWriter()
        header.encode(into: &w, trackAliasLength: trackAliasLength)
        guard send(bytes: w.bytes, on: streamID) else {
            outgoing[streamID]?.ended = true
            throw MoQTSessionError.transport("subgroup stream write failed")
        }
        return streamID
    }

    /// Writes an object (properties need `hasProperties` on the stream) on a subgroup stream.
    public func writeObject(streamID: UInt64, objectID: UInt64, properties: ObjectProperties = [], payload: [UInt8]) throws {
        try writeSubgroupObject(streamID: streamID, Draft18.SubgroupObject(objectID: objectID, properties: properties, payload: payload))
    }

    /// Writes a status object (end of group, end of track) on a subgroup stream.
    public func writeObjectStatus(streamID: UInt64, objectID: UInt64, status: ObjectStatus) throws {
        try writeSubgroupObject(streamID: streamID, Draft18.SubgroupObject(objectID: objectID, status: status))
    }

    func writeSubgroupObject(streamID: UInt64, _ object: Draft18.SubgroupObject) throws {
        try requireOpen()
        guard var o = outgoing[streamID], !o.ended, case .subgroup(let header, var coder) = o.kind else {
            throw MoQTSessionError.invalidStream(streamID)
        }
        if let prev = coder.previousObjectID, object.objectID <= prev {
            throw MoQTSessionError.invalidObject("object ID \(object.objectID) after \(prev)")
        }
        if !header.hasProperties && !object.properties.isEmpty {
            throw MoQTSessionError.invalidObject("properties on a stream without the PROPERTIES bit")
        }
        if object.status == .normal && object.payload.isEmpty {
            throw MoQTSessionError.invalidObject("a normal object needs a payload (send a status otherwise)")
        }
        if configuration.enforceSubscriptionFilters, let r = request(o.requestID), let start = r.windowStart,
           header.groupID == start.group, object.objectID < start.object {
            throw MoQTSessionError.outsideSubscription(Location(group: header.groupID, object: object.objectID))
        }
        if configuration.enforceSubscriptionFilters, let r = request(o.requestID), let end = r.windowEndObject,
           header.groupID == r.windowEndGroup, object.objectID > end {
            // draft-22 Absolute Range: ends inside its last group.
            throw MoQTSessionError.outsideSubscription(Location(group: header.groupID, object: object.objectID))
        }
        if let r = request(o.requestID), !r.rangeFilters.isEmpty,
           !r.rangeFilters.admits(subgroupID: o.subgroupID ?? object.objectID, objectID: object.objectID,
                                  publisherPriority: header.publisherPriority ?? r.defaultPublisherPriority, properties: object.properties.pairs) {
            return   // draft-22 Range Filters: not for this subscriber (the stream stays open)
        }
        var w = ByteWriter()
        coder.encode(object, into: &w)
        o.kind = .subgroup(header: header, coder: coder)
        if o.subgroupID == nil { o.subgroupID = object.objectID }
        outgoing[streamID] = o
        guard send(bytes: w.bytes, on: streamID) else {
            outgoing[streamID]?.ended = true
            throw MoQTSessionError.transport("subgroup stream write failed")
        }
    }

    /// Ends a subgroup stream with FIN (after any queued bytes).
    public func endSubgroup(streamID: UInt64) throws {
        try requireOpen()
        guard let o = outgoing[streamID], !o.ended, case .subgroup = o.kind else { throw MoQTSessionError.invalidStream(streamID) }
        outgoing[streamID] = nil
        finishStream(streamID)
    }

    /// Resets a subgroup stream (e.g. DELIVERY_TIMEOUT, TOO_FAR_BEHIND).
    public func resetSubgroup(streamID: UInt64, code: StreamResetCode) throws {
        try requireOpen()
        guard let o = outgoing[streamID], !o.ended, case .subgroup = o.kind else { throw MoQTSessionError.invalidStream(streamID) }
        outgoing[streamID] = nil
        resetStream(streamID, code: code.rawValue)
    }

    /// Sends one object of subscription `requestID` as an OBJECT_DATAGRAM.
    public func sendObjectDatagram(_ requestID: UInt64, groupID: UInt64, objectID: UInt64, publisherPriority: UInt8? = nil,
                                   properties: ObjectProperties = [], content: Draft18.ObjectDatagram.Content,
                                   endOfGroup: Bool = false) throws {
        let r = try publishingRequest(requestID)
        guard let alias = r.trackAlias else { throw MoQTSessionError.invalidRequest(requestID) }
        if case .status(let s) = content, endOfGroup || (s != .normal && !properties.isEmpty) {
            throw MoQTSessionError.invalidObject("status datagrams carry no END_OF_GROUP and no properties")
        }
        if let start = r.windowStart, Location(group: groupID, object: objectID) < start {
            throw MoQTSessionError.outsideSubscription(Location(group: groupID, object: objectID))
        }
        if let end = r.windowEndGroup, groupID > end { throw MoQTSessionError.outsideSubscription(Location(group: groupID, object: objectID)) }
        if let end = r.windowEndObject, groupID == r.windowEndGroup, objectID > end {
            throw MoQTSessionError.outsideSubscription(Location(group: groupID, object: objectID))
        }
        if !r.rangeFilters.isEmpty, !r.rangeFilters.admits(subgroupID: 0, objectID: objectID, publisherPriority: publisherPriority ?? r.defaultPublisherPriority,
                                                          properties: properties.pairs) {
            return   // draft-22 Range Filters
        }
        let d = Draft18.ObjectDatagram(trackAlias: alias, groupID: groupID, objectID: objectID, publisherPriority: publisherPriority,
                                       endOfGroup: endOfGroup, properties: properties, content: content)
        do { try transport.sendDatagram(d.encoded()) } catch let e as MoQTSessionError { throw e } catch {
            throw MoQTSessionError.transport("\(error)")
        }
    }

    /// Ends subscription `requestID` (this side publishing): sends PUBLISH_DONE with the number of
    /// subgroup streams opened for it and ends the request stream. Open subgroup streams should
    /// be ended first.
    public func publishDone(_ requestID: UInt64, code: PublishDoneCode = .trackEnded, reason: String = "") throws {
        try requireOpen()
        guard let r = request(requestID), r.isPublisherSide, !r.writeClosed, r.phase != .ended || r.kind == .publish else {
            throw MoQTSessionError.invalidRequest(requestID)
        }
        if r.kind == .subscribe && r.phase != .established { throw MoQTSessionError.invalidRequest(requestID) }
        send(.publishDone(Draft18.PublishDone(statusCode: code, streamCount: r.streamsOpened, reason: reason)), on: r.streamID)
        finishStream(r.streamID)
        requests[r.streamID]?.writeClosed = true
        requests[r.streamID]?.phase = .ended
        if let a = r.trackAlias { sentAliases[a] = nil }
        streamReadEnded(r.streamID)
    }
}
