/// One encoded video frame (an access unit) in decode order, with timestamps in microseconds.
public struct EncodedVideoFrame: Equatable, Sendable {
    /// The encoded bytes, as the container stores them (length-prefixed NAL units for MP4/MKV,
    /// Annex-B for MPEG-TS; see `VideoTrackInfo.nalUnitFormat`).
    public var data: [UInt8]
    /// Presentation timestamp, microseconds on the source's timeline (may be negative).
    public var ptsMicroseconds: Int64
    /// Decode timestamp, microseconds on the source's timeline (negative before the first frame
    /// is presented, e.g. with B-frames and an MP4 edit list).
    public var dtsMicroseconds: Int64
    /// Duration in microseconds (0 when unknown).
    public var durationMicroseconds: Int64
    /// True when decoding can start here (an IDR / IRAP frame).
    public var isKeyframe: Bool
    /// The frame's class from the codec's picture type.
    public var frameClass: VideoFrameClass
    /// True when later frames may reference this one (false only for frames known to be
    /// non-reference, e.g. H.264 nal_ref_idc 0): such frames can be dropped without harm.
    public var isReference: Bool

    /// A frame.
    public init(data: [UInt8], ptsMicroseconds: Int64, dtsMicroseconds: Int64, durationMicroseconds: Int64,
                isKeyframe: Bool, frameClass: VideoFrameClass, isReference: Bool = true) {
        self.data = data
        self.ptsMicroseconds = ptsMicroseconds
        self.dtsMicroseconds = dtsMicroseconds
        self.durationMicroseconds = durationMicroseconds
        self.isKeyframe = isKeyframe
        self.frameClass = frameClass
        self.isReference = isReference
    }
}
