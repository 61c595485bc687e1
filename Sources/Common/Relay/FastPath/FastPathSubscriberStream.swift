/// One subscriber's copy of one upstream media stream: sent by the kernel (from offset 0), by user
/// space from the mirror (a late joiner's stream, or the rest after a handoff), or both.
///
/// Invariant: every byte of the upstream stream the subscriber should get and the kernel did not
/// report SENT is sent by user space on the same stream ID (`RelayFastPathPlane.reconcile`).
final class FastPathSubscriberStream {
    /// The upstream stream it mirrors.
    let mirror: UpstreamStreamMirror
    /// The subscription (request ID on the subscriber's session) it belongs to.
    let requestID: UInt64
    /// The subscriber's alias of the track (written at offset 0 when it differs).
    let alias: UInt64
    /// The subscriber's stream ID, once allocated (by the kernel or user space).
    var streamID: UInt64?
    /// Ranges the kernel reported SENT, merged, ascending.
    private(set) var kernelRanges: [Range<UInt64>] = []
    /// User space sends every byte from here on as the mirror grows (nil: the kernel does).
    var userFrom: UInt64?
    /// How far user space has asked the connection to send.
    var userSentEnd: UInt64 = 0
    /// The FIN was handed to the connection.
    var finished = false
    /// RESET_STREAM was sent.
    var reset = false
    /// Opened only to carry its header before a reset (a stream dropped before the kernel sent any of it).
    var headerOnly = false
    /// Gaps user space already handed to the connection after a takeover.
    var filled: [Range<UInt64>] = []
    /// Where the kernel took over a stream user space began (bytes below were user space's).
    var kernelFrom: UInt64 = 0
    /// Every byte (or the reset) was acknowledged: the stream is forgotten.
    var completed = false

    init(mirror: UpstreamStreamMirror, requestID: UInt64, alias: UInt64) {
        self.mirror = mirror
        self.requestID = requestID
        self.alias = alias
    }

    /// Adds a range the kernel sent.
    func addKernelRange(_ r: Range<UInt64>) {
        guard !r.isEmpty else { return }
        // The common case, in order: extend the last range in place.
        if let last = kernelRanges.last, r.lowerBound >= last.lowerBound, r.lowerBound <= last.upperBound {
            if r.upperBound > last.upperBound { kernelRanges[kernelRanges.count - 1] = last.lowerBound..<r.upperBound }
            return
        }
        if kernelRanges.isEmpty {
            kernelRanges.append(r)
            return
        }
        var merged = r
        var out: [Range<UInt64>] = []
        for k in kernelRanges {
            if k.upperBound < merged.lowerBound || k.lowerBound > merged.upperBound {
                out.append(k)
            } else {
                merged = min(k.lowerBound, merged.lowerBound)..<max(k.upperBound, merged.upperBound)
            }
        }
        out.append(merged)
        kernelRanges = out.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// The highest offset the kernel sent (0 when none).
    var kernelEnd: UInt64 { kernelRanges.last?.upperBound ?? 0 }

    /// True when `r` overlaps something the kernel sent.
    func overlapsKernel(_ r: Range<UInt64>) -> Bool { kernelRanges.contains { $0.overlaps(r) } }

    /// True when the kernel's ranges leave no hole in [kernelFrom, end): the common case, checked
    /// without building the gap list.
    func kernelContiguous(upTo end: UInt64) -> Bool {
        guard end > kernelFrom else { return true }
        // The ranges are merged: [kernelFrom, end) has no hole exactly when one range covers it.
        return kernelRanges.contains { $0.lowerBound <= kernelFrom && $0.upperBound >= end }
    }

    /// The parts of [0, end) the kernel did not send.
    func kernelGaps(upTo end: UInt64) -> [Range<UInt64>] {
        var gaps: [Range<UInt64>] = []
        var cursor: UInt64 = kernelFrom
        for k in kernelRanges where k.lowerBound < end {
            if k.lowerBound > cursor { gaps.append(cursor..<k.lowerBound) }
            cursor = max(cursor, k.upperBound)
        }
        if cursor < end { gaps.append(cursor..<end) }
        return gaps
    }
}
