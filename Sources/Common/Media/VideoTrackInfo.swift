/// What a receiver needs to know about a video track to decode or remux it.
public struct VideoTrackInfo: Equatable, Sendable {
    /// The codec.
    public var codec: VideoCodec
    /// libavcodec's name of the codec ("h264", "hevc").
    public var codecName: String
    /// The RFC 6381 codec string ("avc1.64001f").
    public var codecString: String
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// The source stream's time base (timestamps in `EncodedVideoFrame` are always microseconds).
    public var timeBase: MediaRational
    /// The average frame rate (0/0 when unknown).
    public var frameRate: MediaRational
    /// The codec's out-of-band configuration: an `avcC`/`hvcC` record (SPS/PPS inside) or Annex-B
    /// parameter sets; empty when parameter sets travel in-band.
    public var extradata: [UInt8]

    /// A track description.
    public init(codec: VideoCodec, codecName: String? = nil, codecString: String? = nil, width: Int, height: Int,
                timeBase: MediaRational = MediaRational(1, 1_000_000), frameRate: MediaRational, extradata: [UInt8]) {
        self.codec = codec
        self.codecName = codecName ?? codec.rawValue
        self.codecString = codecString ?? CodecString.make(codec: codec, extradata: extradata)
        self.width = width
        self.height = height
        self.timeBase = timeBase
        self.frameRate = frameRate
        self.extradata = extradata
    }

    /// How NAL units are delimited in this track's frames.
    public var nalUnitFormat: NALUnitFormat { NALUnitFormat.from(extradata: extradata, codec: codec) }
}
