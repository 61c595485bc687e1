import MoQT
import MoQTNet
import NIOConcurrencyHelpers

/// A publisher session for relay tests: announces a namespace, accepts every SUBSCRIBE, and on
/// `publish(groups:)` sends media-like groups: object 0 the I frame (subgroup 0, priority 0), then
/// P (subgroup 1, priority 1) and B (subgroup 2, priority 2) frames alternating.
final class SyntheticPublisher: MoQTSessionHandler, @unchecked Sendable {
    let namespace: TrackNamespace
    private let state = NIOLockedValueBox<(announced: Bool, subscriptions: [UInt64])>((false, []))
    var connection: MoQTConnection?

    init(namespace: TrackNamespace) { self.namespace = namespace }

    var announced: Bool { state.withLockedValue { $0.announced } }
    var subscriptions: [UInt64] { state.withLockedValue { $0.subscriptions } }

    func moqtConnection(_ connection: MoQTConnection, didReceive event: MoQTSessionEvent) {
        switch event {
        case .requestOK:
            state.withLockedValue { $0.announced = true }
        case .subscribeRequested(let id, _):
            _ = try? connection.session.acceptSubscribe(id, largest: nil)
            state.withLockedValue { $0.subscriptions.append(id) }
        default:
            break
        }
    }

    /// Pushes `name` to the peer with PUBLISH; later groups go out on it too.
    func publishTrack(_ name: String) async throws {
        guard let connection else { return }
        let id = try await connection.perform { [namespace] in try $0.publish(FullTrackName(namespace: namespace, name: name)) }
        state.withLockedValue { $0.subscriptions.append(id) }
    }

    /// Sends one group on every subscription: frames 1..<frames alternate P and B.
    func publishGroup(_ group: UInt64, frames: Int, sizes: (i: Int, p: Int, b: Int)) async throws {
        guard let connection else { return }
        let subs = subscriptions
        try await connection.perform { session in
            for id in subs {
                var streams: [UInt64] = []
                for (sg, prio) in [(UInt64(0), UInt8(0)), (1, 1), (2, 2)] {
                    streams.append(try session.openSubgroup(id, groupID: group, subgroupID: .explicit(sg), publisherPriority: prio))
                }
                try session.writeObject(streamID: streams[0], objectID: 0, payload: [UInt8](repeating: 0x49, count: sizes.i))
                for k in 1..<frames {
                    let isP = k % 2 == 1
                    try session.writeObject(streamID: streams[isP ? 1 : 2], objectID: UInt64(k),
                                            payload: [UInt8](repeating: isP ? 0x50 : 0x42, count: isP ? sizes.p : sizes.b))
                }
                for s in streams { try session.endSubgroup(streamID: s) }
            }
        }
    }

    /// Sends objects 0..<count of `group` as OBJECT_DATAGRAMs on every subscription (payload: the
    /// object ID repeated `size` times).
    func publishDatagrams(_ group: UInt64, count: Int, size: Int) async throws {
        guard let connection else { return }
        let subs = subscriptions
        try await connection.perform { session in
            for id in subs {
                for k in 0..<count {
                    try session.sendObjectDatagram(id, groupID: group, objectID: UInt64(k), publisherPriority: 3,
                                                   content: .payload([UInt8](repeating: UInt8(k), count: size)))
                }
            }
        }
    }

    /// PUBLISH_DONE on every subscription.
    func finish() async throws {
        guard let connection else { return }
        let subs = subscriptions
        try await connection.perform { session in for id in subs { try session.publishDone(id) } }
    }
}
