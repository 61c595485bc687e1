/// The audio codecs this project publishes: each frame decodes on its own (every packet is a sync
/// sample), and every container written here (MPEG-TS, MP4, Matroska) carries them.
public enum AudioCodec: String, Equatable, Hashable, Sendable, Codable, CaseIterable {
    /// AAC (MPEG-4 audio); extradata is the AudioSpecificConfig.
    case aac
    /// Opus; extradata is the OpusHead (channel count, pre-skip, mapping).
    case opus

    /// The codec's RFC 6381 / WebCodecs string: "mp4a.40.<object type>" for AAC (2 = AAC-LC when the
    /// AudioSpecificConfig does not say otherwise), "opus".
    public func codecString(extradata: [UInt8]) -> String {
        switch self {
        case .aac:
            var objectType = 2
            if let first = extradata.first {
                objectType = Int(first >> 3)
                if objectType == 31, extradata.count >= 2 {
                    objectType = 32 + Int((first & 0x7) << 3 | extradata[1] >> 5)
                }
                if objectType == 0 { objectType = 2 }
            }
            return "mp4a.40.\(objectType)"
        case .opus:
            return "opus"
        }
    }

    /// The codec of an RFC 6381 codec string ("mp4a.40.2", "opus"), or nil.
    public init?(codecString: String) {
        if codecString.hasPrefix("mp4a.40") || codecString == "mp4a" { self = .aac }
        else if codecString == "opus" || codecString == "Opus" { self = .opus }
        else { return nil }
    }
}

/// What a receiver needs to know about an audio track to decode or remux it.
public struct AudioTrackInfo: Equatable, Sendable {
    /// The codec.
    public var codec: AudioCodec
    /// The RFC 6381 codec string ("mp4a.40.2", "opus").
    public var codecString: String
    /// Samples per second.
    public var sampleRate: Int
    /// Channels.
    public var channels: Int
    /// Samples per frame when the container says (1024 for AAC-LC, 960 for 20 ms Opus); 0 unknown.
    public var frameSize: Int
    /// The codec's out-of-band configuration (AudioSpecificConfig, OpusHead); may be empty.
    public var extradata: [UInt8]
    /// The stream's index in the source file (which of its streams this is).
    public var sourceStreamIndex: Int

    /// A track description.
    public init(codec: AudioCodec, codecString: String? = nil, sampleRate: Int, channels: Int, frameSize: Int = 0,
                extradata: [UInt8], sourceStreamIndex: Int = 0) {
        self.codec = codec
        self.codecString = codecString ?? codec.codecString(extradata: extradata)
        self.sampleRate = sampleRate
        self.channels = channels
        self.frameSize = frameSize
        self.extradata = extradata
        self.sourceStreamIndex = sourceStreamIndex
    }
}

/// One encoded audio frame (a packet), with timestamps in microseconds. Audio decodes in
/// presentation order, so its decode timestamp is its presentation timestamp.
public struct EncodedAudioFrame: Equatable, Sendable {
    /// The encoded bytes as the container stores them (raw AAC without ADTS headers for MP4/Matroska).
    public var data: [UInt8]
    /// Presentation timestamp, microseconds on the source's timeline (may be negative: AAC priming,
    /// Opus pre-skip).
    public var ptsMicroseconds: Int64
    /// Duration in microseconds (0 when unknown).
    public var durationMicroseconds: Int64

    /// A frame.
    public init(data: [UInt8], ptsMicroseconds: Int64, durationMicroseconds: Int64) {
        self.data = data
        self.ptsMicroseconds = ptsMicroseconds
        self.durationMicroseconds = durationMicroseconds
    }
}

/// A frame of any track of a file, as `VideoDemuxer.nextMediaFrame()` returns them.
public enum DemuxedFrame: Equatable, Sendable {
    /// A video frame.
    case video(EncodedVideoFrame)
    /// A frame of `VideoDemuxer.audioTracks[track]`.
    case audio(track: Int, EncodedAudioFrame)
}
