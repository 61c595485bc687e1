import Foundation

/// A byte count shared by the download tasks.
final class ByteCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0

    func add(_ n: Int) { lock.withLock { total += n } }

    var value: Int { lock.withLock { total } }
}
