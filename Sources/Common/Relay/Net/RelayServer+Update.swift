import MoQT
import MoQTNet

/// REQUEST_UPDATE from a subscriber (draft-18 §10.10): the session has answered it and applied
/// its parameters to the request; the relay follows. SUBSCRIBER_PRIORITY reorders what the
/// subscriber's queue releases next; FORWARD 0 pauses delivery (queued objects are discarded,
/// open streams end) and FORWARD 1 resumes it at the next group's first object, so the
/// subscriber never gets a group without its start. When every subscriber of a subscribed track
/// has paused, the relay asks its upstream for FORWARD 0 too, and for FORWARD 1 once one resumes
/// or a new subscriber arrives.
extension RelayServer {
    func handleRequestUpdate(_ connection: MoQTConnection, _ requestID: UInt64, _ update: Draft18.RequestUpdate) {
        guard let state = subscriberStates[ObjectIdentifier(connection)], let sub = state.downstreams[requestID],
              let track = sub.track else { return }
        let p = update.parameters
        if p.fillParameters != nil, sub.forwarding {
            serveFill(sub, on: track)   // draft-22: FILL_PARAMETERS in REQUEST_UPDATE, from the cache
        }
        if !p.rangeFilters.isEmpty, sub.forwarding, fastPath?.offloads(connection, requestID: requestID) == true {
            // Range Filters are applied in user space: leave the fast path, resuming from the next group.
            pause(sub, on: track, state: state)
            deliver(sub, on: track, state: state, plan: track.cache.joinPlan(startingAt: track.cache.joinStart(for: .nextGroupStart)))
        }
        if let priority = p.subscriberPriority, priority != sub.subscriberPriority {
            sub.subscriberPriority = priority
            if sub.forwarding { plane.attach(subscriber: state.id, track: track.name, subscription: sub.subscriptionContext) }
        }
        guard let forward = p.forward, forward != sub.forwarding else { return }
        sub.forwarding = forward
        if forward {
            deliver(sub, on: track, state: state, plan: track.cache.joinPlan(startingAt: track.cache.joinStart(for: .nextGroupStart)))
            log?("moq-relay: request \(requestID) resumed (FORWARD 1) from the next group")
        } else {
            pause(sub, on: track, state: state)
            log?("moq-relay: request \(requestID) paused (FORWARD 0)")
        }
        updateUpstreamForwarding(track)
    }

    /// Stops delivery to `sub`: its queued objects go, its open subgroup streams end.
    private func pause(_ sub: RelayDownstream, on track: RelayTrack, state: RelaySubscriberSession) {
        fastPath?.subscriptionEnded(sub.connection, requestID: sub.requestID)
        plane.detach(subscriber: state.id, track: track.name)
        sub.plan = nil
        sub.endPending.removeAll()
        let streams = sub.streams
        sub.streams.removeAll()
        try? sub.connection.performOnLoop { session in
            for stream in streams.values { try? session.endSubgroup(streamID: stream) }
        }
        requestPump(state)
    }

    /// Asks the upstream of a subscribed track for FORWARD 0 when no subscriber wants objects, and
    /// for FORWARD 1 again when one does. A published track keeps flowing: the relay caches it
    /// whether or not anyone listens.
    func updateUpstreamForwarding(_ track: RelayTrack) {
        guard !track.published, track.isEstablished, tracks[track.name] === track, !track.upstream.session.isClosed else { return }
        let wanted = track.subscribers.contains { $0.forwarding }
        guard wanted != track.upstreamForwarding else { return }
        var parameters = MessageParameters()
        parameters.forward = wanted
        do {
            _ = try track.upstream.performOnLoop { try $0.requestUpdate(track.upstreamRequestID, parameters: parameters) }
            track.upstreamForwarding = wanted
            log?("moq-relay: upstream \(track.name) FORWARD \(wanted ? 1 : 0)")
        } catch {
            log?("moq-relay: REQUEST_UPDATE upstream failed: \(error)")
        }
    }
}
