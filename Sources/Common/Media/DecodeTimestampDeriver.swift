/// Gives every frame of a stream in decode order a decode timestamp (DTS) that a muxer accepts and a
/// decoder can use: strictly increasing, never after the frame's presentation timestamp (PTS), for any
/// reorder depth (B-pyramids, H.265 with many B-frames, open-GOP leading pictures, variable frame
/// rate, long GOPs, and GOPs with and without B-frames in one stream).
///
/// Containers such as Matroska store presentation times only. The DTS is then derived from the PTS:
/// with reorder depth `d` (the most frames that precede a frame in decode order and follow it in
/// output order), frame `i` decodes at the `(d+1)`-th largest PTS among frames `0...i`, which is the
/// `(i-d)`-th PTS in presentation order; the first `d` frames are placed one frame duration apart
/// before the earliest PTS. `d` is the larger of the depth the codec declares (the SPS reorder field)
/// and the depth seen in the stream so far, including the frames read ahead.
///
/// A container that does store decode times (MP4, MPEG-TS, FLV) keeps them wherever they are valid.
///
/// Either way the result is clamped: at least `minimumStep` after the previous DTS, and at most
/// `PTS - k * minimumStep` of every frame `k` places ahead within the lookahead. So a DTS never
/// repeats and never passes a PTS, even where the reorder depth grows in the middle of a stream.
///
/// Push frames in decode order, then pop their timestamps in the same order: `pop()` answers once
/// `lookahead` more frames are pushed, `pop(flushing: true)` at the end of the input.
///
///     var deriver = DecodeTimestampDeriver(declaredReorderDepth: 2, frameDuration: 33_333)
///     deriver.push(pts: 0, dts: nil)
///     ...
///     while let t = deriver.pop(flushing: true) { ... t.dts ... }
public struct DecodeTimestampDeriver: Sendable {
    /// Timestamps of one frame, in microseconds.
    public struct Timestamps: Equatable, Sendable {
        /// Presentation timestamp.
        public var pts: Int64
        /// Decode timestamp.
        public var dts: Int64
        /// Both.
        public init(pts: Int64, dts: Int64) {
            self.pts = pts
            self.dts = dts
        }
    }

    /// The reorder depth the codec declares (e.g. `sps_max_num_reorder_pics`), 0 when unknown.
    public let declaredReorderDepth: Int
    /// The nominal frame duration in µs (spacing of the first frames' DTS), 0 when unknown.
    public let frameDuration: Int64
    /// True when the container's decode timestamps are kept where they are valid.
    public let usesContainerDTS: Bool
    /// Frames read ahead before a frame's DTS is decided (larger than any reorder depth the
    /// codecs allow: H.264 and H.265 hold at most 16 frames).
    public let lookahead: Int
    /// The least distance between two decode timestamps, µs (above one 90 kHz tick, so MPEG-TS
    /// never sees two equal DTS).
    public let minimumStep: Int64
    /// The reorder depth in use: the declared one or the deepest seen so far.
    public private(set) var reorderDepth: Int

    private var pending: [(pts: Int64, dts: Int64?)] = []
    private var pendingStart = 0
    /// The largest PTS of the frames popped so far, ascending (at most `maxTracked`).
    private var largest: [Int64] = []
    /// PTS of the last `maxTracked` frames pushed, to measure the reorder depth.
    private var recent: [Int64] = []
    private var popped = 0
    private var lastDTS: Int64?
    private var lastPTS: Int64?
    private var firstPTS: Int64?
    private let maxTracked = 40

    /// A deriver.
    /// - Parameters:
    ///   - declaredReorderDepth: The codec's declared reorder depth (0 when unknown).
    ///   - frameDuration: Nominal frame duration in µs (0 when unknown: 1/30 s is used).
    ///   - usesContainerDTS: Keep the container's decode timestamps where valid.
    ///   - lookahead: Frames read ahead (at least 1).
    ///   - minimumStep: Least DTS spacing in µs (at least 1).
    public init(declaredReorderDepth: Int, frameDuration: Int64, usesContainerDTS: Bool = false,
                lookahead: Int = 20, minimumStep: Int64 = 100) {
        self.declaredReorderDepth = max(0, min(declaredReorderDepth, 32))
        self.frameDuration = frameDuration > 0 ? frameDuration : 33_333
        self.usesContainerDTS = usesContainerDTS
        self.lookahead = max(1, lookahead)
        self.minimumStep = max(1, minimumStep)
        self.reorderDepth = self.declaredReorderDepth
    }

    /// Frames pushed and not yet popped.
    public var count: Int { pending.count - pendingStart }

    /// Adds the next frame in decode order.
    /// - Parameters:
    ///   - pts: Its presentation timestamp in µs, nil when the container has none (it is then the
    ///     container's DTS, or the previous frame's PTS plus a frame duration).
    ///   - dts: The container's decode timestamp in µs, nil when it has none.
    public mutating func push(pts: Int64?, dts: Int64?) {
        let presentation = pts ?? dts ?? lastPTS.map { $0 + frameDuration } ?? 0
        lastPTS = presentation
        firstPTS = min(firstPTS ?? presentation, presentation)
        // Frames that precede this one in decode order and follow it in output order.
        let after = recent.reduce(0) { $0 + ($1 > presentation ? 1 : 0) }
        reorderDepth = max(reorderDepth, after)
        recent.append(presentation)
        if recent.count > maxTracked { recent.removeFirst() }
        pending.append((presentation, dts))
    }

    /// The timestamps of the oldest frame not yet popped, in push order: once `lookahead` frames
    /// follow it, or whenever there is one when `flushing` (at the end of the input).
    public mutating func pop(flushing: Bool = false) -> Timestamps? {
        guard count > (flushing ? 0 : lookahead) else { return nil }
        let (pts, containerDTS) = pending[pendingStart]
        insertLargest(pts)

        var candidate: Int64
        if usesContainerDTS, let containerDTS {
            candidate = containerDTS
        } else if popped >= reorderDepth, largest.count > reorderDepth {
            candidate = largest[largest.count - 1 - reorderDepth]
        } else {
            // The first frames: before the earliest PTS, one frame duration apart.
            candidate = (firstPTS ?? pts) - Int64(reorderDepth - popped) * frameDuration
        }
        // Never after this PTS or (by the step) any PTS ahead; never at or before the last DTS.
        var upper = pts
        var k: Int64 = 1
        for index in (pendingStart + 1)..<pending.count {
            upper = min(upper, pending[index].pts - k * minimumStep)
            k += 1
        }
        if let lastDTS { candidate = max(candidate, lastDTS + minimumStep) }
        if candidate > upper, lastDTS.map({ upper > $0 }) ?? true { candidate = upper }

        lastDTS = candidate
        popped += 1
        pendingStart += 1
        if pendingStart > 64 {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
        return Timestamps(pts: pts, dts: candidate)
    }

    /// Decode timestamps for a whole stream at once (`pts`/`dts` pairs in decode order).
    public static func derive(_ frames: [(pts: Int64?, dts: Int64?)], declaredReorderDepth: Int = 0,
                              frameDuration: Int64, usesContainerDTS: Bool = false,
                              lookahead: Int = 20) -> [Timestamps] {
        var deriver = DecodeTimestampDeriver(declaredReorderDepth: declaredReorderDepth, frameDuration: frameDuration,
                                             usesContainerDTS: usesContainerDTS, lookahead: lookahead)
        var out: [Timestamps] = []
        for frame in frames {
            deriver.push(pts: frame.pts, dts: frame.dts)
            while let t = deriver.pop() { out.append(t) }
        }
        while let t = deriver.pop(flushing: true) { out.append(t) }
        return out
    }

    private mutating func insertLargest(_ pts: Int64) {
        var index = largest.count
        while index > 0, largest[index - 1] > pts { index -= 1 }
        largest.insert(pts, at: index)
        if largest.count > maxTracked { largest.removeFirst() }
    }
}
