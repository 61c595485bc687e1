import FastPath
import MoQTNet
import QUIC

extension RelayFastPath {
    /// A publisher announced a namespace: the interface facing it runs `fp_upstream_ingress`.
    /// Call on the event loop.
    public func publisherAppeared(_ connection: MoQTConnection) {
        ensureInterface(facing: connection.quic.coreOnLoop.peerAddress, publisher: true)
    }

    /// A subscription was accepted: the interface facing the subscriber runs a fast-path program.
    /// Call on the event loop.
    public func subscriberAppeared(_ connection: MoQTConnection) {
        ensureInterface(facing: connection.quic.coreOnLoop.peerAddress, publisher: false)
    }

    /// The plane's own counters for `--stats` (`fast_path`).
    func planCounters() -> [String: UInt64] { [:] }
}
