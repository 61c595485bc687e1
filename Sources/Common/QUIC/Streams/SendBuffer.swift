/// Outgoing bytes of one stream (or one CRYPTO level) from the first unacknowledged byte on:
/// what is waiting to be sent (new or lost data), and what has been acknowledged.
/// Lost data is re-queued by range, never by packet (RFC 9000 §13.3).
///
/// An *external* buffer stores no bytes: its owner (the kernel fast path and its `StreamDataSource`)
/// has them. It tracks the same ranges; `nextRange` replaces `nextChunk`, and the end is the highest
/// offset anyone queued, sent or declared final.
package struct SendBuffer: Sendable {
    /// Bytes from `baseOffset` to `endOffset`.
    private var storage: [UInt8] = []
    /// Stream offset of `storage[storageStart]`.
    package private(set) var baseOffset: UInt64 = 0
    private var storageStart = 0
    /// Ranges to transmit (never-sent data and data declared lost).
    package private(set) var pending = RangeSet()
    /// Acknowledged ranges above `baseOffset`.
    private var acked = RangeSet()
    /// One past the highest byte ever transmitted.
    package private(set) var highestSent: UInt64 = 0
    /// The bytes live elsewhere (see the type's comment).
    package let isExternal: Bool
    /// External buffers: one past the highest byte known to exist.
    private var externalEnd: UInt64 = 0

    package init(startOffset: UInt64 = 0, external: Bool = false) {
        baseOffset = startOffset
        highestSent = startOffset
        isExternal = external
        externalEnd = startOffset
    }

    /// Offset after the last written byte.
    package var endOffset: UInt64 { isExternal ? externalEnd : baseOffset + UInt64(storage.count - storageStart) }
    /// Bytes written but not yet acknowledged as a contiguous prefix.
    package var unackedCount: Int { isExternal ? Int(clamping: externalEnd - baseOffset) : storage.count - storageStart }
    /// True when every written byte has been acknowledged.
    package var isFullyAcked: Bool { isExternal ? baseOffset >= externalEnd : storage.count == storageStart }
    /// True when there is data waiting to be sent.
    package var hasPending: Bool { !pending.isEmpty }

    /// Appends application data.
    package mutating func append(_ data: some Collection<UInt8>) {
        guard !data.isEmpty else { return }
        let start = endOffset
        storage.append(contentsOf: data)
        pending.insert(start..<endOffset)
    }

    /// The next chunk to send, at most `maxLength` bytes, staying below `limit` for never-sent data
    /// (flow control). Marks it sent. Returns nil when nothing can go.
    package mutating func nextChunk(maxLength: Int, limit: UInt64 = .max) -> (offset: UInt64, data: [UInt8])? {
        guard !isExternal, let range = nextRange(maxLength: maxLength, limit: limit) else { return nil }
        let from = storageStart + Int(range.lowerBound - baseOffset)
        return (range.lowerBound, Array(storage[from..<from + Int(range.upperBound - range.lowerBound)]))
    }

    /// Appends the buffered bytes of `range` (a range `nextRange` returned; not for external buffers) to `out`.
    package func appendBytes(_ range: Range<UInt64>, to out: inout [UInt8]) {
        let from = storageStart + Int(range.lowerBound - baseOffset)
        let count = Int(range.upperBound - range.lowerBound)
        precondition(!isExternal && range.lowerBound >= baseOffset && from + count <= storage.count, "range not buffered")
        storage.withUnsafeBufferPointer { out.append(contentsOf: UnsafeBufferPointer(rebasing: $0[from..<from + count])) }
    }

    /// The range `nextChunk` would send, marked sent (external buffers fetch the bytes themselves).
    package mutating func nextRange(maxLength: Int, limit: UInt64 = .max) -> Range<UInt64>? {
        guard maxLength > 0, let first = pending.first else { return nil }
        var upper = min(first.upperBound, first.lowerBound + UInt64(maxLength))
        // Data below highestSent was already sent once and is within credit; new data obeys `limit`.
        if upper > highestSent { upper = max(min(upper, limit), min(highestSent, upper)) }
        guard upper > first.lowerBound else { return nil }
        let range = first.lowerBound..<upper
        pending.remove(range)
        highestSent = max(highestSent, upper)
        return range
    }

    /// External buffers: queues `range` for sending by the connection (minus what was acknowledged).
    package mutating func queueExternal(_ range: Range<UInt64>) {
        externalEnd = max(externalEnd, range.upperBound)
        let clipped = max(range.lowerBound, baseOffset)..<max(range.upperBound, baseOffset)
        guard !clipped.isEmpty else { return }
        pending.insert(clipped)
        for a in acked.ranges where a.overlaps(clipped) { pending.remove(a) }
    }

    /// External buffers: someone else sent `range`; it is no longer waiting here. Returns how far
    /// it raised `highestSent` (new bytes for connection-level flow control).
    package mutating func registerSent(_ range: Range<UInt64>) -> UInt64 {
        externalEnd = max(externalEnd, range.upperBound)
        if !range.isEmpty { pending.remove(range) }
        let raised = range.upperBound > highestSent ? range.upperBound - highestSent : 0
        highestSent = max(highestSent, range.upperBound)
        return raised
    }

    /// External buffers: the stream ends at `finalSize`.
    package mutating func setExternalEnd(_ finalSize: UInt64) {
        externalEnd = max(externalEnd, finalSize)
    }

    /// The lowest offset that would be sent next (for sizing frame headers).
    package var nextOffset: UInt64? { pending.first?.lowerBound }

    /// Marks a range acknowledged; returns true when the acknowledged prefix advanced.
    @discardableResult
    package mutating func onAcked(_ range: Range<UInt64>) -> Bool {
        // Never past the bytes held: after `discardAll` (stream reset) an ACK of data sent before
        // the reset would otherwise move `storageStart` beyond `storage`.
        let lower = max(range.lowerBound, baseOffset)
        let clipped = lower..<max(isExternal ? range.upperBound : min(range.upperBound, endOffset), lower)
        guard !clipped.isEmpty else { return false }
        acked.insert(clipped)
        pending.remove(clipped)
        guard let first = acked.first, first.lowerBound <= baseOffset, first.upperBound > baseOffset else { return false }
        if !isExternal { storageStart += Int(first.upperBound - baseOffset) }
        baseOffset = first.upperBound
        acked.removeAll(below: baseOffset)
        if storageStart > 65536 && storageStart * 2 > storage.count {
            storage.removeFirst(storageStart)
            storageStart = 0
        }
        return true
    }

    /// Re-queues a lost range (minus anything acknowledged since).
    package mutating func onLost(_ range: Range<UInt64>) {
        let lower = max(range.lowerBound, baseOffset), upper = min(range.upperBound, endOffset)
        guard lower < upper else { return }
        let clipped = lower..<upper
        pending.insert(clipped)
        for a in acked.ranges where a.overlaps(clipped) { pending.remove(a) }
    }

    /// Re-queues everything sent and unacknowledged (Retry, or a PTO probe with no new data).
    package mutating func requeueAllUnacked() {
        onLost(baseOffset..<highestSent)
    }

    /// Drops all data (stream reset).
    package mutating func discardAll() {
        storage = []
        storageStart = 0
        pending = RangeSet()
        acked = RangeSet()
    }
}
