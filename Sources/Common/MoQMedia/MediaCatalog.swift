import Foundation
import Media

/// An MSF-style catalog (draft-ietf-moq-msf): the JSON document published on the `catalog` track
/// that tells a subscriber which tracks exist and how to set up its decoder or muxer.
///
///     {"version":1,"tracks":[{"name":"video","packaging":"loc","isLive":true,"codec":"avc1.64001f",
///       "width":640,"height":360,"framerate":30,"timescale":1000000,"x-moqfr-extradata":"AWQAH/..."},
///      {"name":"audio","packaging":"loc","isLive":true,"role":"audio","codec":"mp4a.40.2",
///       "samplerate":48000,"channelConfig":"2","timescale":1000000,"x-moqfr-extradata":"EZA="}]}
public struct MediaCatalog: Equatable, Sendable, Codable {
    /// The catalog format version this project writes and reads.
    public static let currentVersion = 1
    /// The name of the track that carries the catalog.
    public static let trackName = "catalog"

    /// One track of the catalog.
    public struct Track: Equatable, Sendable, Codable {
        /// The track name (e.g. "video").
        public var name: String
        /// The track namespace, when it differs from the catalog's own.
        public var namespace: String?
        /// The packaging: "loc" (one encoded frame per object, LOC properties).
        public var packaging: String
        /// True for a live track.
        public var isLive: Bool
        /// The track's role ("video").
        public var role: String?
        /// The RFC 6381 codec string ("avc1.64001f").
        public var codec: String?
        /// Width in pixels.
        public var width: Int?
        /// Height in pixels.
        public var height: Int?
        /// Frames per second.
        public var framerate: Double?
        /// Audio: samples per second.
        public var samplerate: Int?
        /// Audio: the channel configuration; this project writes the channel count ("2").
        public var channelConfig: String?
        /// Units per second of the objects' timestamps: 1000000 (LOC timestamps are microseconds).
        public var timescale: Int?
        /// Publisher priority of the track's most important objects (I frames).
        public var priority: Int?
        /// The codec extradata (avcC/hvcC record or Annex-B parameter sets), base64. A private key.
        public var extradata: String?

        enum CodingKeys: String, CodingKey {
            case name, namespace, packaging, isLive, role, codec, width, height, framerate, samplerate, channelConfig
            case timescale, priority
            case extradata = "x-moqfr-extradata"
        }

        /// A track entry.
        public init(name: String, namespace: String? = nil, packaging: String = "loc", isLive: Bool = true,
                    role: String? = nil, codec: String? = nil, width: Int? = nil, height: Int? = nil,
                    framerate: Double? = nil, samplerate: Int? = nil, channelConfig: String? = nil,
                    timescale: Int? = nil, priority: Int? = nil, extradata: String? = nil) {
            self.name = name
            self.namespace = namespace
            self.packaging = packaging
            self.isLive = isLive
            self.role = role
            self.codec = codec
            self.width = width
            self.height = height
            self.framerate = framerate
            self.samplerate = samplerate
            self.channelConfig = channelConfig
            self.timescale = timescale
            self.priority = priority
            self.extradata = extradata
        }
    }

    /// The format version.
    public var version: Int
    /// The tracks.
    public var tracks: [Track]

    /// A catalog.
    public init(version: Int = MediaCatalog.currentVersion, tracks: [Track]) {
        self.version = version
        self.tracks = tracks
    }

    /// The catalog of one live LOC video track.
    public init(videoTrack name: String, info: VideoTrackInfo, isLive: Bool = true, priority: UInt8? = nil) {
        self.init(tracks: [Track(video: name, info: info, isLive: isLive, priority: priority)])
    }

    /// The catalog of a live LOC video track and the audio tracks beside it.
    public init(videoTrack name: String, info: VideoTrackInfo, audioTracks: [(name: String, info: AudioTrackInfo)],
                isLive: Bool = true, priority: UInt8? = nil, audioPriority: UInt8? = nil) {
        self.init(tracks: [Track(video: name, info: info, isLive: isLive, priority: priority)]
                  + audioTracks.map { Track(audio: $0.name, info: $0.info, isLive: isLive, priority: audioPriority) })
    }

    /// The names of the video and audio tracks, in catalog order (a track without a role counts when
    /// its codec is one this project remuxes).
    public var mediaTrackNames: [String] {
        tracks.filter { track in
            switch track.role {
            case "video", "audio": return true
            case nil: return track.codec.map { Self.videoCodec($0) != nil || AudioCodec(codecString: $0) != nil } ?? false
            default: return false
            }
        }.map(\.name)
    }

    /// True when track `name` is an audio track (role "audio", or an audio codec without a role).
    public func isAudioTrack(named name: String) -> Bool {
        guard let track = tracks.first(where: { $0.name == name }) else { return false }
        if let role = track.role { return role == "audio" }
        return track.codec.map { AudioCodec(codecString: $0) != nil } ?? false
    }

    /// The JSON encoding (keys sorted, so equal catalogs give equal bytes).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings and numbers cannot fail.
        return (try? Array(encoder.encode(self))) ?? []
    }

    /// Decodes a catalog.
    /// - Throws: `CatalogError.invalidJSON` or `.unsupportedVersion`.
    public static func decode(_ bytes: [UInt8]) throws(CatalogError) -> MediaCatalog {
        let catalog: MediaCatalog
        do {
            catalog = try JSONDecoder().decode(MediaCatalog.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw .invalidJSON("missing '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .invalidJSON("wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw .invalidJSON("not a catalog")
        }
        guard catalog.version == currentVersion else { throw .unsupportedVersion(catalog.version) }
        return catalog
    }

    /// What a muxer needs to write audio track `name`.
    /// - Throws: `CatalogError` when the track is absent or lacks what the muxer needs.
    public func audioTrackInfo(named name: String) throws(CatalogError) -> AudioTrackInfo {
        guard let track = tracks.first(where: { $0.name == name }) else { throw .trackNotFound(name) }
        guard track.packaging == "loc" else { throw .unsupportedPackaging(track.packaging) }
        guard let codecString = track.codec else { throw .missingField("codec") }
        guard let codec = AudioCodec(codecString: codecString) else { throw .unsupportedCodec(codecString) }
        guard let rate = track.samplerate, (1...1_000_000).contains(rate) else { throw .missingField("samplerate") }
        guard let config = track.channelConfig, let channels = Int(config), (1...255).contains(channels) else {
            throw .missingField("channelConfig")
        }
        var extradata: [UInt8] = []
        if let text = track.extradata {
            guard let data = Data(base64Encoded: text) else { throw .invalidExtradata }
            extradata = Array(data)
        }
        return AudioTrackInfo(codec: codec, codecString: codecString, sampleRate: rate, channels: channels,
                              extradata: extradata)
    }

    static func videoCodec(_ codecString: String) -> VideoCodec? {
        switch codecString.prefix(4) {
        case "avc1", "avc3": return .h264
        case "hvc1", "hev1": return .hevc
        default: return nil
        }
    }

    /// What a muxer needs to write track `name`.
    /// - Throws: `CatalogError` when the track is absent or lacks what the muxer needs.
    public func videoTrackInfo(named name: String) throws(CatalogError) -> VideoTrackInfo {
        guard let track = tracks.first(where: { $0.name == name }) else { throw .trackNotFound(name) }
        guard track.packaging == "loc" else { throw .unsupportedPackaging(track.packaging) }
        guard let codecString = track.codec else { throw .missingField("codec") }
        guard let codec = Self.videoCodec(codecString) else { throw .unsupportedCodec(codecString) }
        guard let width = track.width, width > 0 else { throw .missingField("width") }
        guard let height = track.height, height > 0 else { throw .missingField("height") }
        var extradata: [UInt8] = []
        if let text = track.extradata {
            guard let data = Data(base64Encoded: text) else { throw .invalidExtradata }
            extradata = Array(data)
        }
        return VideoTrackInfo(codec: codec, codecString: codecString, width: width, height: height,
                              frameRate: Self.rational(track.framerate ?? 0), extradata: extradata)
    }

    /// A frame rate as a rational (30 -> 30/1, 29.97 -> 30000/1001).
    static func rational(_ rate: Double) -> MediaRational {
        guard rate > 0, rate.isFinite, rate < 10_000 else { return MediaRational(0, 0) }
        if rate == rate.rounded() { return MediaRational(Int(rate), 1) }
        let ntsc = (rate * 1001).rounded()
        if abs(ntsc / 1001 - rate) < 1e-6 { return MediaRational(Int(ntsc) , 1001) }
        return MediaRational(Int((rate * 1000).rounded()), 1000)
    }
}

extension MediaCatalog.Track {
    /// The entry of a live LOC video track.
    public init(video name: String, info: VideoTrackInfo, isLive: Bool = true, priority: UInt8? = nil) {
        let rate = info.frameRate.doubleValue
        self.init(name: name, packaging: "loc", isLive: isLive, role: "video", codec: info.codecString,
                  width: info.width, height: info.height, framerate: rate > 0 ? rate : nil, timescale: 1_000_000,
                  priority: priority.map(Int.init),
                  extradata: info.extradata.isEmpty ? nil : Data(info.extradata).base64EncodedString())
    }

    /// The entry of a live LOC audio track: codec, sample rate, channels (MSF `samplerate`,
    /// `channelConfig`), and the codec configuration as extradata.
    public init(audio name: String, info: AudioTrackInfo, isLive: Bool = true, priority: UInt8? = nil) {
        self.init(name: name, packaging: "loc", isLive: isLive, role: "audio", codec: info.codecString,
                  samplerate: info.sampleRate, channelConfig: String(info.channels), timescale: 1_000_000,
                  priority: priority.map(Int.init),
                  extradata: info.extradata.isEmpty ? nil : Data(info.extradata).base64EncodedString())
    }
}
