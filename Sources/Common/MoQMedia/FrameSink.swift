import Media

/// Where a remuxer writes the frames it can decode (an MPEG-TS muxer, or a test's collector).
public protocol FrameSink: AnyObject {
    /// Writes one frame; frames come in decode order.
    func write(_ frame: EncodedVideoFrame) throws
}

/// The MPEG-TS muxer is the subscriber's sink.
extension VideoFileMuxer: FrameSink {}
