import Media

/// The content of one LOC object (draft-ietf-moq-loc): the encoded frame as the payload, and the
/// metadata a relay or a receiver needs as object properties. See docs/MEDIA.md for the layout.
public struct LOCFrame: Equatable, Sendable {
    /// Capture time in microseconds since the Unix epoch (LOC TIMESTAMP, property 0x10).
    public var captureTimestampMicroseconds: UInt64
    /// Presentation timestamp in microseconds on the publisher's media timeline (may be negative).
    public var ptsMicroseconds: Int64
    /// Decode timestamp in microseconds on the publisher's media timeline (may be negative).
    public var dtsMicroseconds: Int64
    /// Frame duration in microseconds.
    public var durationMicroseconds: UInt64
    /// The frame class.
    public var frameClass: VideoFrameClass
    /// True when decoding can start at this frame.
    public var isKeyframe: Bool
    /// Dependency on earlier objects of the same group: 0 means none (a keyframe or an intra frame);
    /// n means the frame needs object `objectID - n` (the latest earlier reference frame) and, through it,
    /// that object's own dependencies.
    public var referenceDistance: UInt64
    /// The encoded frame, exactly as the source container stores it.
    public var payload: [UInt8]

    /// A frame.
    public init(captureTimestampMicroseconds: UInt64, ptsMicroseconds: Int64, dtsMicroseconds: Int64,
                durationMicroseconds: UInt64, frameClass: VideoFrameClass, isKeyframe: Bool,
                referenceDistance: UInt64, payload: [UInt8]) {
        self.captureTimestampMicroseconds = captureTimestampMicroseconds
        self.ptsMicroseconds = ptsMicroseconds
        self.dtsMicroseconds = dtsMicroseconds
        self.durationMicroseconds = durationMicroseconds
        self.frameClass = frameClass
        self.isKeyframe = isKeyframe
        self.referenceDistance = referenceDistance
        self.payload = payload
    }

    /// The frame for a muxer.
    public var encodedFrame: EncodedVideoFrame {
        EncodedVideoFrame(data: payload, ptsMicroseconds: ptsMicroseconds, dtsMicroseconds: dtsMicroseconds,
                          durationMicroseconds: Int64(clamping: durationMicroseconds), isKeyframe: isKeyframe,
                          frameClass: frameClass)
    }
}
