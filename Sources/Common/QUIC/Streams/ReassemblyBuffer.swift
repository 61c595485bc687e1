/// Incoming bytes of one stream (or CRYPTO level): out-of-order and duplicate data reassembled
/// into an in-order sequence the reader consumes.
package struct ReassemblyBuffer: Sendable {
    /// Offset of the next byte the reader will get.
    package private(set) var readOffset: UInt64 = 0
    /// In-order bytes from `readOffset` on, ready to read.
    private var ready: [UInt8] = []
    private var readyStart = 0
    /// Out-of-order chunks beyond the ready data, keyed by offset (non-overlapping).
    private var chunks: [UInt64: [UInt8]] = [:]
    private var chunkRanges = RangeSet()
    /// One past the highest byte received.
    package private(set) var highestReceived: UInt64 = 0

    package init() {}

    /// Offset one past the contiguous data.
    package var contiguousEnd: UInt64 { readOffset + UInt64(ready.count - readyStart) }
    /// Bytes ready to read.
    package var readableCount: Int { ready.count - readyStart }
    /// Bytes buffered out of order.
    package var bufferedOutOfOrder: UInt64 { chunkRanges.totalLength }

    /// Adds data at `offset`, ignoring anything already received.
    /// Returns true when new contiguous data became readable.
    @discardableResult
    package mutating func insert(offset: UInt64, data: [UInt8]) -> Bool {
        let end = offset + UInt64(data.count)
        highestReceived = max(highestReceived, end)
        let contiguous = contiguousEnd
        guard end > contiguous else { return false }
        if offset <= contiguous {
            // Extends the ready data directly.
            ready.append(contentsOf: data[Int(contiguous - offset)...])
            absorbChunks()
            return true
        }
        // Out of order: store only the parts not yet held.
        var missing = RangeSet(offset..<end)
        for r in chunkRanges.ranges where r.overlaps(offset..<end) { missing.remove(r) }
        for r in missing.ranges {
            chunks[r.lowerBound] = Array(data[Int(r.lowerBound - offset)..<Int(r.upperBound - offset)])
            chunkRanges.insert(r)
        }
        return false
    }

    private mutating func absorbChunks() {
        chunkRanges.removeAll(below: 0)
        while let first = chunkRanges.first, first.lowerBound <= contiguousEnd {
            // Walk chunks inside `first` in order.
            var cursor = first.lowerBound
            while cursor < first.upperBound, let chunk = chunks.removeValue(forKey: cursor) {
                let end = cursor + UInt64(chunk.count)
                let have = contiguousEnd
                if end > have { ready.append(contentsOf: chunk[Int(have - cursor)...]) }
                cursor = end
            }
            chunkRanges.remove(first)
        }
    }

    /// Takes up to `maxLength` ready bytes.
    package mutating func read(maxLength: Int = .max) -> [UInt8] {
        let n = min(maxLength, readableCount)
        guard n > 0 else { return [] }
        let out = Array(ready[readyStart..<readyStart + n])
        readyStart += n
        readOffset += UInt64(n)
        if readyStart == ready.count {
            ready.removeAll(keepingCapacity: true)
            readyStart = 0
        } else if readyStart > 65536 {
            ready.removeFirst(readyStart)
            readyStart = 0
        }
        return out
    }
}
