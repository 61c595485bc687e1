import FastPath
import MoQTNet
import MoQTQUIC
import QUIC

/// A publisher connection on the fast path: its id in `fp_upstreams`, the mirrors of its media
/// streams, and the observers that keep its connection IDs in `fp_local_cids`.
final class FastPathUpstream: MoQTRawStreamTap, ConnectionObserver {
    /// Index in `fp_upstreams`.
    let id: UInt32
    /// The MoQT session.
    let connection: MoQTConnection
    /// The QUIC connection.
    let core: Connection
    /// Mirrors of its uni streams, by upstream stream ID.
    var mirrors: [UInt64: UpstreamStreamMirror] = [:]
    /// Connection IDs registered in `fp_local_cids`.
    var registeredCIDs: Set<[UInt8]> = []
    weak var plane: RelayFastPathPlane?
    /// Its `fp_upstreams` path (re-written with the key slot after a key update).
    var path: FastPathEndpointPair?
    /// Encrypted mode: the `fp_up_keys` slot the kernel reads (nil: cleartext), and the connection's key
    /// update count when it was written.
    var keySlot: UInt32?
    var keyUpdates = 0

    init(id: UInt32, connection: MoQTConnection, core: Connection) {
        self.id = id
        self.connection = connection
        self.core = core
    }

    func streamData(streamID: UInt64, bytes: [UInt8], fin: Bool) {
        plane?.upstreamData(self, streamID: streamID, bytes: bytes, fin: fin)
    }

    func streamReset(streamID: UInt64, errorCode: UInt64) {
        plane?.upstreamReset(self, streamID: streamID, code: errorCode)
    }

    func connectionIssuedLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID, sequence: UInt64) {
        plane?.registerCID(cid.bytes, owner: .upstream(id), into: &registeredCIDs)
    }

    func connectionRetiredLocalConnectionID(_ c: Connection, _ cid: QUICConnectionID) {
        plane?.unregisterCID(cid.bytes, from: &registeredCIDs)
    }
}
