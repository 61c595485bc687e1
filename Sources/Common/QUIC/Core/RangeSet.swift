/// A set of `UInt64` values kept as sorted, disjoint, non-adjacent half-open ranges. Used for
/// received packet numbers, acknowledged stream offsets and data waiting to be (re)sent.
package struct RangeSet: Equatable, Sendable {
    /// The ranges, ascending, never empty, never touching.
    package private(set) var ranges: [Range<UInt64>] = []

    package init() {}
    package init(_ range: Range<UInt64>) { insert(range) }

    package var isEmpty: Bool { ranges.isEmpty }
    package var first: Range<UInt64>? { ranges.first }
    package var last: Range<UInt64>? { ranges.last }
    package var count: Int { ranges.count }
    /// Sum of range lengths.
    package var totalLength: UInt64 { ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } }

    /// Index of the first range whose upper bound is >= `value`.
    private func lowerIndex(_ value: UInt64) -> Int {
        var lo = 0, hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Adds `range`, merging neighbours.
    package mutating func insert(_ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        // Fast path: appending at the end.
        if let last = ranges.last, range.lowerBound > last.upperBound {
            ranges.append(range)
            return
        }
        if let last = ranges.last, range.lowerBound >= last.lowerBound {
            ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            return
        }
        var i = lowerIndex(range.lowerBound)
        var lower = range.lowerBound, upper = range.upperBound
        let start = i
        while i < ranges.count, ranges[i].lowerBound <= upper {
            lower = min(lower, ranges[i].lowerBound)
            upper = max(upper, ranges[i].upperBound)
            i += 1
        }
        ranges.replaceSubrange(start..<i, with: [lower..<upper])
    }

    /// Inserts a single value.
    package mutating func insert(_ value: UInt64) { insert(value..<value + 1) }

    /// Removes `range`.
    package mutating func remove(_ range: Range<UInt64>) {
        guard !range.isEmpty, !ranges.isEmpty else { return }
        var i = lowerIndex(range.lowerBound)
        if i < ranges.count, ranges[i].upperBound == range.lowerBound { i += 1 }
        var replacement: [Range<UInt64>] = []
        let start = i
        while i < ranges.count, ranges[i].lowerBound < range.upperBound {
            let r = ranges[i]
            if r.lowerBound < range.lowerBound { replacement.append(r.lowerBound..<range.lowerBound) }
            if r.upperBound > range.upperBound { replacement.append(range.upperBound..<r.upperBound) }
            i += 1
        }
        if start < i { ranges.replaceSubrange(start..<i, with: replacement) }
    }

    /// Removes everything below `value`.
    package mutating func removeAll(below value: UInt64) {
        while let f = ranges.first, f.lowerBound < value {
            if f.upperBound <= value { ranges.removeFirst() } else { ranges[0] = value..<f.upperBound }
        }
    }

    /// True when `value` is in the set.
    package func contains(_ value: UInt64) -> Bool {
        let i = lowerIndex(value)
        return i < ranges.count && ranges[i].contains(value)
    }

    /// True when all of `range` is in the set.
    package func contains(_ range: Range<UInt64>) -> Bool {
        if range.isEmpty { return true }
        let i = lowerIndex(range.lowerBound)
        guard i < ranges.count else { return false }
        if ranges[i].upperBound == range.lowerBound { return false }
        return ranges[i].lowerBound <= range.lowerBound && ranges[i].upperBound >= range.upperBound
    }

    /// Drops the lowest ranges so at most `count` remain.
    package mutating func keepLast(_ count: Int) {
        if ranges.count > count { ranges.removeFirst(ranges.count - count) }
    }
}
