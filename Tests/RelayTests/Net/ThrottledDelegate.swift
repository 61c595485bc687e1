import MoQTNet
import QUIC
import QUICIO

/// Sits between a QUIC connection and its MoQT session: while paused, the session reads only the
/// first bytes (the subgroup header) of each data stream and nothing more, so the connection's
/// flow-control credit runs out — a subscriber that has stopped reading but still knows which
/// streams exist (so a RESET_STREAM for one of them can be attributed). `resume()` reads the rest.
final class ThrottledDelegate: QUICConnectionDelegate, @unchecked Sendable {
    let inner: MoQTConnection
    /// Touched on the connection's event loop only.
    private(set) var paused = false
    /// Streams that saw data while paused, with the bytes the session read of each.
    private var headerBytes: [UInt64: Int] = [:]
    private var order: [UInt64] = []
    private var heldResets: [ConnectionEvent] = []
    private var quic: (QUICConnection, Connection)?

    init(inner: MoQTConnection) { self.inner = inner }

    /// Stops reading data streams beyond their first bytes (call on the event loop).
    func pause() { paused = true }

    func connection(_ connection: QUICConnection, core: Connection, didReceive event: ConnectionEvent) {
        guard paused, let id = Self.dataStream(event) else {
            inner.connection(connection, core: core, didReceive: event)
            return
        }
        quic = (connection, core)
        if case .streamReset = event {
            heldResets.append(event)
            return
        }
        if headerBytes[id] == nil {
            headerBytes[id] = 0
            order.append(id)
        }
        let want = 8 - headerBytes[id, default: 0]
        guard want > 0, let r = try? core.read(streamID: id, maxLength: want), !r.data.isEmpty || r.isFinished else { return }
        headerBytes[id, default: 0] += r.data.count
        inner.session.handleStreamData(streamID: id, bytes: r.data, fin: r.isFinished)
    }

    /// Reads everything held back (call on the event loop).
    func resume() {
        paused = false
        guard let (connection, core) = quic else { return }
        let events = order.map { ConnectionEvent.streamReadable(streamID: $0) } + heldResets
        order.removeAll()
        headerBytes.removeAll()
        heldResets.removeAll()
        for event in events {
            connection.withCoreOnLoop { _ in inner.connection(connection, core: core, didReceive: event) }
        }
    }

    private static func dataStream(_ event: ConnectionEvent) -> UInt64? {
        switch event {
        case .streamOpened(let id), .streamReadable(let id), .streamFinished(let id), .streamReset(let id, _):
            return id & 0x2 != 0 ? id : nil
        default:
            return nil
        }
    }
}
