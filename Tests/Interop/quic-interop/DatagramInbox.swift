import Foundation

/// Datagrams received by one task and taken by another.
final class DatagramInbox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [[UInt8]] = []

    func add(_ datagram: [UInt8]) { lock.withLock { items.append(datagram) } }

    /// Everything received since the last call.
    func take() -> [[UInt8]] { lock.withLock { defer { items.removeAll() }; return items } }
}
