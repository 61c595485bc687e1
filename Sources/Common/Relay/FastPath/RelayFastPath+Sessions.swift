import FastPath
import MoQTNet
import NIOCore
import QUIC
import QUICIO

extension RelayFastPath {
    /// Binds the fast path to the relay's event loop and endpoint (call once the endpoint listens):
    /// records are drained before every datagram and on a 2 ms timer.
    public func activate(endpoint: QUICEndpoint) throws {
        let plane = try RelayFastPathPlane(object: object, eventLoop: endpoint.eventLoop, sentLog: sentLog, log: log)
        plane.burstAllowance = burstAllowance
        plane.localConnectionIDLength = localConnectionIDLength
        plane.budgetSyncIntervalNanoseconds = budgetSyncIntervalNanoseconds
        plane.encrypted = encrypted
        plane.forcedKeyUpdateNanoseconds = forcedKeyUpdateNanoseconds
        relayPort = UInt16(endpoint.localAddress?.port ?? 0)
        self.plane = plane
        plane.start(endpoint: endpoint)
    }

    /// A publisher announced a namespace: the interface facing it runs `fp_upstream_ingress`.
    /// Call on the event loop.
    /// A cleartext publisher is registered at once, so the relay mirrors its media streams from the
    /// first byte (a later subscriber's late join is served from that copy).
    public func publisherAppeared(_ connection: MoQTConnection) {
        guard let route = ensureInterface(facing: connection.quic.coreOnLoop.peerAddress, publisher: true) else { return }
        _ = plane?.upstream(for: connection, route: route, relayPort: relayPort)
    }

    /// A subscription was accepted with `alias` on the subscriber's session, for a track whose
    /// upstream is `upstream` (alias `upstreamAlias`). Puts it on the fast path when both connections
    /// are cleartext and the interfaces are attached; returns true when the fast path serves it from
    /// now on (then the relay must not send its objects itself: `offloads`). Call on the event loop.
    @discardableResult
    public func subscriberAccepted(_ connection: MoQTConnection, requestID: UInt64, upstream: MoQTConnection,
                                   upstreamAlias: UInt64?, alias: UInt64) -> Bool {
        guard let subRoute = ensureInterface(facing: connection.quic.coreOnLoop.peerAddress, publisher: false) else { return false }
        guard let plane, let upstreamAlias else { return false }
        guard let upRoute = ensureInterface(facing: upstream.quic.coreOnLoop.peerAddress, publisher: true) else { return false }
        return plane.subscriberAccepted(connection: connection, requestID: requestID, upstream: upstream, upstreamAlias: upstreamAlias,
                                        alias: alias, subscriberRoute: subRoute, upstreamRoute: upRoute, relayPort: relayPort)
    }

    /// True when subscription `requestID` of `connection` is served by the fast path (its objects are
    /// not written by the relay's session code). Call on the event loop.
    public func offloads(_ connection: MoQTConnection, requestID: UInt64) -> Bool {
        plane?.downstreams[ObjectIdentifier(connection)]?.subscriptions[requestID] != nil
    }

    /// True when `connection` is a subscriber connection on the fast path. Call on the event loop.
    public func serves(_ connection: MoQTConnection) -> Bool {
        plane?.downstreams[ObjectIdentifier(connection)] != nil
    }

    /// The subscriber unsubscribed. Call on the event loop.
    public func subscriptionEnded(_ connection: MoQTConnection, requestID: UInt64) {
        plane?.subscriptionEnded(ObjectIdentifier(connection), requestID: requestID)
    }

    /// A session closed. Call on the event loop.
    public func connectionClosed(_ connection: MoQTConnection) {
        plane?.connectionClosed(ObjectIdentifier(connection))
    }

    /// The plane's own counters for `--stats` (`fast_path`).
    func planCounters() -> [String: UInt64] {
        guard let p = plane else { return [:] }
        var retransmitted = p.retransmittedClosed
        var userPackets = p.userSpacePacketsClosed
        var kernelPackets = p.kernelPacketsClosed
        var userMedia = p.userMediaPacketsClosed
        for d in p.downstreams.values {
            retransmitted += d.retransmittedPackets
            userPackets += UInt64(max(0, d.core.stats.packetsSent))
            kernelPackets += d.kernelPackets
            userMedia += d.userMediaPackets
        }
        var counters: [String: UInt64] = ["records_sent": p.recordsSent, "records_dropped": p.recordsDropped, "records_handoff": p.recordsHandoff,
                "records_stale": p.recordsStale, "streams_from_mirror": p.streamsFromMirror, "gap_bytes_filled": p.gapBytesFilled,
                "retransmitted": retransmitted, "user_space_packets_fast_path_subscribers": userPackets,
                "registered_kernel_packets": kernelPackets,
                "user_space_media_packets_fast_path_subscribers": userMedia, "plane_failures": p.failures, "user_space_stream_resets": p.userSpaceDrops,
                "kernel_drops_taken_over": p.rescued, "streams_handed_to_kernel": p.streamsHandedToKernel,
                "fast_path_subscribers": UInt64(p.downstreams.count), "fast_path_upstreams": UInt64(p.upstreams.count),
                "sent_log_entries_read": p.logEntriesRead, "sent_log_numbers_skipped": p.logNumbersSkipped]
        for (reason, count) in p.userSpaceReasons { counters["user_space_reason_\(reason)", default: 0] += count }
        for (key, count) in p.subscriptionsByCipher { counters["subscriptions_\(key)", default: 0] += count }
        counters["key_phases_installed_upstreams"] = p.upstreamKeyInstalls
        counters["key_phases_installed_subscribers"] = p.subscriberKeyInstalls
        counters["forced_key_updates"] = p.forcedKeyUpdates
        counters["fast_path_encrypted_subscribers"] = UInt64(p.downstreams.values.filter { $0.entry.keySlot != nil }.count)
        counters["fast_path_encrypted_upstreams"] = UInt64(p.upstreams.values.filter { $0.keySlot != nil }.count)
        return counters
    }
}
