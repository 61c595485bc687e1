/// The object property types of a LOC video object (see docs/MEDIA.md).
///
/// TIMESTAMP is LOC's own (draft-ietf-moq-loc, type 0x10 for MoQT draft-18). The others are private
/// to this project: they live in the block 0x4D46_0000-0x4D46_00FF ("MF", moq-fastrelay), far from
/// any registered number, and carry what remuxing needs. All are even types (vi64 values).
public enum LOCPropertyType {
    /// LOC TIMESTAMP: capture time, microseconds since the Unix epoch.
    public static let timestamp: UInt64 = 0x10
    /// Start of this project's private block.
    public static let privateBase: UInt64 = 0x4D46_0000
    /// Presentation timestamp, microseconds, zigzag-encoded (signed).
    public static let pts: UInt64 = privateBase + 0x0
    /// Decode timestamp, microseconds, zigzag-encoded (signed).
    public static let dts: UInt64 = privateBase + 0x2
    /// Duration, microseconds.
    public static let duration: UInt64 = privateBase + 0x4
    /// Frame info: bits 0-1 frame class (0 = I, 1 = P, 2 = B), bit 2 keyframe; other bits zero.
    public static let frameInfo: UInt64 = privateBase + 0x6
    /// Reference distance: 0 = depends on no earlier object of the group; n = needs object ID - n.
    public static let referenceDistance: UInt64 = privateBase + 0x8

    /// Every type a LOC video object must carry.
    public static let required: [UInt64] = [timestamp, pts, dts, duration, frameInfo, referenceDistance]

    /// Zigzag encoding of a signed value (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...).
    public static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    /// Inverse of `zigzag`.
    public static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
    }
}
