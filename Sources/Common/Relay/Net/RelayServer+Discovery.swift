import MoQT
import MoQTNet

/// Track discovery (draft-18 §10.19): a downstream SUBSCRIBE_TRACKS gets a PUBLISH for every track
/// the relay relays under its prefix, now and later; the subscriber's REQUEST_OK starts delivery
/// like an accepted SUBSCRIBE (from the latest group's first object). With an upstream relay the
/// interest is forwarded there, and the upstream relay's NAMESPACE messages and PUBLISHes are
/// passed on.
extension RelayServer {
    /// SUBSCRIBE_TRACKS: REQUEST_OK, then PUBLISH for the matching tracks.
    func handleSubscribeTracks(_ connection: MoQTConnection, _ requestID: UInt64, _ request: Draft18.SubscribeTracks) {
        if !request.parameters.rangeFilters.isEmpty {
            // draft-22 Range Filters on discovered tracks (TRACK_PROPERTY_FILTER picking the
            // PUBLISHes, object filters on each) are not served: refused rather than ignored.
            try? connection.session.reject(requestID, code: .notSupported, reason: "Range Filters in SUBSCRIBE_TRACKS are not supported")
            return
        }
        do { try connection.session.accept(requestID) } catch { return }
        let interest = RelayTrackInterest(connection: connection, requestID: requestID, prefix: request.prefix,
                                          forward: request.parameters.forward ?? true)
        trackInterests[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] = interest
        log?("moq-relay: SUBSCRIBE_TRACKS \(request.prefix) request \(requestID)")
        for track in Array(tracks.values) where track.name.namespace.hasPrefix(request.prefix) { offer(track, to: interest) }
        if let up = upstreamRelay, up !== connection, !up.session.isClosed, upstreamTrackInterest[request.prefix] == nil,
           let id = try? up.performOnLoop({ try $0.subscribeTracks(request.prefix) }) {
            upstreamTrackInterest[request.prefix] = id
        }
    }

    /// Offers a track that just became available to every SUBSCRIBE_TRACKS it matches.
    func offerToInterested(_ track: RelayTrack) {
        for interest in Array(trackInterests.values) where track.name.namespace.hasPrefix(interest.prefix) {
            offer(track, to: interest)
        }
    }

    /// PUBLISH of `track` to the session of `interest`, unless it has the track already (or is its
    /// source) or the track has no upstream subscription yet (it is offered once that is accepted).
    func offer(_ track: RelayTrack, to interest: RelayTrackInterest) {
        let connection = interest.connection
        guard track.isEstablished, tracks[track.name] === track, !connection.session.isClosed, connection !== track.upstream,
              !track.isRelayed(to: connection) else { return }
        let wanted = allocateAlias(connection, track: track)
        let largest = track.cache.largestLocation
        do {
            let (requestID, alias) = try connection.performOnLoop { session -> (UInt64, UInt64) in
                let id: UInt64
                do {
                    id = try session.publish(track.name, trackAlias: wanted, largest: largest, forward: interest.forward)
                } catch MoQTSessionError.trackAliasInUse {
                    id = try session.publish(track.name, largest: largest, forward: interest.forward)
                }
                return (id, session.trackAlias(ofRequest: id) ?? wanted)
            }
            track.offers.append(RelayOffer(connection: connection, requestID: requestID, alias: alias, forward: interest.forward))
            offered[UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)] = track
            log?("moq-relay: PUBLISH \(track.name) to a SUBSCRIBE_TRACKS subscriber, request \(requestID) alias \(alias)")
        } catch {
            releaseAlias(connection, track: track)
            log?("moq-relay: PUBLISH of \(track.name) failed: \(error)")
        }
    }

    /// The subscriber's REQUEST_OK to a PUBLISH: delivery starts unless it says FORWARD 0.
    func offerAnswered(_ connection: MoQTConnection, _ requestID: UInt64, _ ok: Draft18.RequestOK) {
        guard let track = offered.removeValue(forKey: UpstreamKey(connection: ObjectIdentifier(connection), requestID: requestID)),
              let offer = track.offers.first(where: { $0.connection === connection && $0.requestID == requestID }) else { return }
        guard ok.parameters.forward ?? offer.forward else {
            offer.parked = true
            log?("moq-relay: PUBLISH \(track.name) request \(requestID) accepted with FORWARD 0: nothing sent")
            return
        }
        track.offers.removeAll { $0 === offer }
        let sub = RelayDownstream(connection: connection, requestID: requestID, filter: ok.parameters.subscriptionFilter,
                                  subscriberPriority: ok.parameters.subscriberPriority ?? 128,
                                  groupOrder: ok.parameters.groupOrder ?? .ascending)
        start(sub, on: track, alias: offer.alias)
    }

    /// A PUBLISH the subscriber refused or cancelled before delivery started.
    func withdrawOffer(_ track: RelayTrack, _ connection: MoQTConnection, _ requestID: UInt64) {
        let before = track.offers.count
        track.offers.removeAll { $0.connection === connection && $0.requestID == requestID }
        guard track.offers.count != before else { return }
        releaseAlias(connection, track: track)
        retireIfUnused(track)
    }

    /// NAMESPACE / NAMESPACE_DONE from the upstream relay for a forwarded SUBSCRIBE_NAMESPACE:
    /// passed on to this relay's namespace subscribers (unless a local publisher has it).
    func upstreamNamespace(_ requestID: UInt64, suffix: TrackNamespace, done: Bool) {
        guard let prefix = upstreamNamespaceInterest.first(where: { $0.value == requestID })?.key else { return }
        let namespace = suffix.prepending(prefix)
        if done {
            guard upstreamNamespaces.remove(namespace) != nil, namespaces[namespace] == nil else { return }
        } else {
            guard upstreamNamespaces.insert(namespace).inserted, namespaces[namespace] == nil else { return }
        }
        log?("moq-relay: upstream relay \(done ? "withdrew" : "reports") namespace \(namespace)")
        notifyNamespaceSubscribers(namespace, done: done)
    }
}
