import Media

/// MoQ publisher priorities per frame class (0-255, lower value = more important).
///
/// The relay drops the least important objects first under congestion, so B frames (which nothing
/// else needs in the GOPs this project publishes) go before P frames, and I frames last.
public struct FramePriorities: Equatable, Hashable, Sendable, Codable {
    /// Priority of I frames (default 1).
    public var i: UInt8
    /// Priority of P frames (default 2).
    public var p: UInt8
    /// Priority of B frames (default 3).
    public var b: UInt8

    /// The defaults: I = 1, P = 2, B = 3 (0 is left for the catalog track).
    public static let `default` = FramePriorities(i: 1, p: 2, b: 3)
    /// Priority of the catalog track's objects: the most important of all.
    public static let catalog: UInt8 = 0
    /// Default priority of audio objects: 1, as important as I frames and above P and B frames
    /// (audio is small, and a gap in it is heard at once).
    public static let audio: UInt8 = 1

    /// Priorities per class.
    public init(i: UInt8, p: UInt8, b: UInt8) {
        self.i = i
        self.p = p
        self.b = b
    }

    /// The priority of a frame of class `frameClass`.
    public func priority(for frameClass: VideoFrameClass) -> UInt8 {
        switch frameClass {
        case .i: return i
        case .p: return p
        case .b: return b
        }
    }

    /// True when more important classes never get a larger value than less important ones.
    public var isOrdered: Bool { i <= p && p <= b }
}
