import FastPath
import MoQTNet
import QUIC

/// A subscriber connection on the fast path: its slot in the maps and the shared counters, its
/// subscriber streams, and the observers that keep the kernel's view of it current.
final class FastPathDownstream: ConnectionObserver, StreamDataSource {
    /// Index in `fp_subscribers` / `fp_shared`.
    let id: UInt32
    /// The number written as the record's `connection_id` (unique over the relay's life, so a
    /// record of a previous user of the slot is recognised).
    let generation: UInt32
    let connection: MoQTConnection
    let core: Connection
    /// The kernel's entry (re-written when the path or the peer's CID changes).
    var entry: FastPathSubscriber
    /// Subscriptions on the fast path: request ID -> (track key, the subscriber's alias, first group).
    var subscriptions: [UInt64: (track: FastPathTrackKey, alias: UInt64, startGroup: UInt64)] = [:]
    /// Streams the kernel dropped before sending anything: (upstream stream, request, alias, when).
    var announceDrops: [(FastPathStreamKey, UInt64, UInt64, UInt64)] = []
    /// Streams opened with only their header, reset once it was acknowledged.
    var pendingResets: [(FastPathSubscriberStream, UInt64)] = []
    /// Subscriptions not yet in `fp_tracks` (staged join), with when they were accepted.
    var deferred: [UInt64: UInt64] = [:]
    /// Streams by upstream (upstream id, stream).
    var streams: [FastPathStreamKey: FastPathSubscriberStream] = [:]
    /// Streams by the subscriber's stream ID.
    var streamsByID: [UInt64: FastPathSubscriberStream] = [:]
    /// User-served streams waiting for MAX_STREAMS credit.
    var waitingForStreams: [FastPathSubscriberStream] = []
    /// Connection IDs registered in `fp_local_cids`.
    var registeredCIDs: Set<[UInt8]> = []
    weak var plane: RelayFastPathPlane?
    /// Encrypted mode: the connection's key update count when its keys were written (`entry.keySlot`).
    var keyUpdates = 0
    /// The observer the connection had before (the relay's queue feeder): every call is passed on.
    var next: ConnectionObserver?

    // Budget and credit bookkeeping (see `RelayFastPathPlane.sync`).
    var budgetTarget: Int64 = 0
    var budgetRefund: Int64 = 0
    var lastPeerDataSent: UInt64 = 0
    var kernelNewBytes: UInt64 = 0
    var lastPeerMaxData: UInt64 = 0
    var lastPeerMaxStreamsUni: UInt64 = 0
    /// Packets the connection had declared lost at the last budget sync.
    var lossesSeen = 0
    /// When the budget was last synced (only kept with a test sync interval).
    var lastBudgetSync: UInt64 = 0

    /// Where user space stands in the kernel's sent log of this subscriber (`RelayFastPathPlane.readLog`).
    var logCursor = SentLogCursor(start: 0)
    /// When the periodic sweep last read the log and filled the kernel's gaps (CLOCK_MONOTONIC ns).
    var lastGapFill: UInt64 = 0

    // Counters.
    var kernelPackets: UInt64 = 0
    var retransmittedPackets: UInt64 = 0
    /// STREAM frames of media user space built for this subscriber (one per packet: fastPathEncoding).
    var userMediaPackets: UInt64 = 0

    init(id: UInt32, generation: UInt32, connection: MoQTConnection, core: Connection, entry: FastPathSubscriber) {
        self.id = id
        self.generation = generation
        self.connection = connection
        self.core = core
        self.entry = entry
    }

    // MARK: StreamDataSource

    func streamData(streamID: UInt64, offset: UInt64, length: Int) -> [UInt8]? {
        guard let s = streamsByID[streamID] else { return nil }
        userMediaPackets += 1
        if s.overlapsKernel(offset..<offset + UInt64(max(length, 0))) { retransmittedPackets += 1 }
        return s.mirror.slice(offset: offset, length: length, alias: s.alias)
    }

    // MARK: ConnectionObserver

    func connectionCongestionChanged(_ c: Connection, congestionWindow: Int, bytesInFlight: Int) {
        next?.connectionCongestionChanged(c, congestionWindow: congestionWindow, bytesInFlight: bytesInFlight)
        plane?.syncBudget(self)
    }

    func connectionPeerMaxDataChanged(_ c: Connection, maxData: UInt64) {
        next?.connectionPeerMaxDataChanged(c, maxData: maxData)
        plane?.syncCredits(self)
    }

    func connectionPeerMaxStreamDataChanged(_ c: Connection, streamID: UInt64, maxStreamData: UInt64) {
        next?.connectionPeerMaxStreamDataChanged(c, streamID: streamID, maxStreamData: maxStreamData)
        plane?.streamLimitChanged(self, streamID: streamID, maxStreamData: maxStreamData)
    }

    func connectionPeerMaxStreamsChanged(_ c: Connection, bidirectional: Bool, maxStreams: UInt64) {
        next?.connectionPeerMaxStreamsChanged(c, bidirectional: bidirectional, maxStreams: maxStreams)
        guard !bidirectional else { return }
        plane?.streamsLimitChanged(self, maxStreams: maxStreams)
    }

    func connectionIssuedLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID, sequence: UInt64) {
        next?.connectionIssuedLocalConnectionID(c, cid, sequence: sequence)
        plane?.registerCID(cid.bytes, owner: .subscriber(id), into: &registeredCIDs)
    }

    func connectionRetiredLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID) {
        next?.connectionRetiredLocalConnectionID(c, cid)
        plane?.unregisterCID(cid.bytes, from: &registeredCIDs)
    }

    func connectionPeerConnectionIDChanged(_ c: Connection, _ cid: QUICConnectionID) {
        next?.connectionPeerConnectionIDChanged(c, cid)
        entry.destinationConnectionID = cid.bytes
        plane?.rewriteSubscriber(self)
    }

    func connectionPathValidated(_ c: Connection, _ address: QUICPeerAddress) {
        next?.connectionPathValidated(c, address)
        plane?.pathValidated(self, address)
    }

    func connectionExternalStreamCompleted(_ c: Connection, streamID: UInt64) {
        next?.connectionExternalStreamCompleted(c, streamID: streamID)
        plane?.streamCompleted(self, streamID: streamID)
    }
}

/// A track on the fast path: upstream id and the upstream's alias.
struct FastPathTrackKey: Hashable {
    var upstreamID: UInt32
    var alias: UInt64
}

/// An upstream stream: upstream id and stream ID.
struct FastPathStreamKey: Hashable {
    var upstreamID: UInt32
    var streamID: UInt64
}
