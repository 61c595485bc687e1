/// Maps a live input's presentation timestamps to capture times (LOC TIMESTAMP, µs since the Unix
/// epoch), with the encoder's clock driving them: the first frame's PTS maps to the wall-clock time
/// it arrived, and later frames keep the encoder's spacing (`capture = originWall + pts - originPTS`).
/// Subscribers' latency is then capture-to-receive.
///
/// Two corrections keep the mapping honest:
/// - A frame that arrives *before* the time the mapping gives it proves the anchor frame was held
///   up (read from a buffer, or a B-frame's reordering): the mapping moves back so that this frame
///   maps to its arrival. So a capture time is never later than the frame's arrival, and the origin
///   is the earliest one the arrivals allow.
/// - A PTS that jumps by more than `discontinuity` from the previous frame's (encoder restart,
///   MPEG-TS timestamp wrap) starts the mapping again at that frame's arrival.
///
/// Capture times follow presentation order: a B-frame, read after the frames it precedes on
/// screen, gets an earlier capture time than they do.
public struct LiveClock: Equatable, Sendable {
    /// The PTS jump (µs, either way) that restarts the mapping.
    public let discontinuity: Int64
    /// The PTS of the anchor, µs.
    public private(set) var originPTS: Int64?
    /// The wall-clock time the anchor PTS maps to, µs since the epoch.
    public private(set) var originWall: Int64 = 0
    /// How often the mapping restarted at a discontinuity.
    public private(set) var restarts = 0
    private var lastPTS: Int64?

    /// A clock; `discontinuity` in µs (default 10 s).
    public init(discontinuity: Int64 = 10_000_000) {
        self.discontinuity = max(1, discontinuity)
    }

    /// The capture time of a frame with presentation timestamp `pts` (µs) that arrived at
    /// `arrival` (µs since the epoch).
    public mutating func captureTime(pts: Int64, arrival: UInt64) -> UInt64 {
        let now = Int64(clamping: arrival)
        defer { lastPTS = pts }
        guard let originPTS, let lastPTS, abs(pts - lastPTS) <= discontinuity else {
            if self.originPTS != nil { restarts += 1 }
            self.originPTS = pts
            originWall = now
            return arrival
        }
        let mapped = originWall + (pts - originPTS)
        if mapped > now {
            originWall = now - (pts - originPTS)
            return arrival
        }
        return UInt64(max(0, mapped))
    }
}
