/// Bytes a stream's send side holds because the transport did not take them yet, plus a FIN
/// that waits for them.
struct SendQueue {
    private var chunks: [[UInt8]] = []
    private var headOffset = 0
    /// FIN requested: send it once the queue is empty.
    var finPending = false

    var isEmpty: Bool { chunks.isEmpty }
    var byteCount: Int { chunks.reduce(0) { $0 + $1.count } - headOffset }

    mutating func append(_ bytes: [UInt8]) {
        if !bytes.isEmpty { chunks.append(bytes) }
    }

    /// Offers queued bytes to `write` until it takes less than offered; true when drained.
    mutating func flush(_ write: ([UInt8]) throws -> Int) rethrows -> Bool {
        while let head = chunks.first {
            let pending = headOffset == 0 ? head : Array(head[headOffset...])
            let n = try write(pending)
            if n >= pending.count {
                chunks.removeFirst()
                headOffset = 0
            } else {
                headOffset += max(0, n)
                return false
            }
        }
        return true
    }

    mutating func clear() {
        chunks = []
        headOffset = 0
        finPending = false
    }
}
