import CAVFormat

/// The container a `VideoFileMuxer` writes, chosen by the output's extension.
public enum VideoContainer: String, Sendable, CaseIterable {
    /// MPEG-TS (`.ts`, `.m2ts`, `.mts`, and stdout `-`): Annex-B, playable while it is written.
    case mpegTS = "mpegts"
    /// Fragmented MP4 (`.mp4`, `.m4v`, `.mov`): a fragment per keyframe, so a file cut short (the
    /// subscriber killed) still plays up to its last complete fragment. The header goes out with the
    /// first fragment (`delay_moov`), so its edit lists keep each track's start (AAC priming before
    /// the first video frame).
    case fragmentedMP4 = "mp4"
    /// Matroska (`.mkv`).
    case matroska = "matroska"

    /// The container for `path`, or nil for an extension none of them uses.
    public init?(path: String) {
        if path == "-" { self = .mpegTS; return }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "ts", "m2ts", "mts": self = .mpegTS
        case "mp4", "m4v", "mov": self = .fragmentedMP4
        case "mkv": self = .matroska
        default: return nil
        }
    }

    /// The extensions understood, for messages.
    public static let extensions = ".ts .m2ts .mts (MPEG-TS), .mp4 .m4v .mov (fragmented MP4), .mkv (Matroska), - (MPEG-TS on stdout)"
}

/// Writes video frames, and the frames of any audio tracks beside them, to MPEG-TS, fragmented MP4
/// or Matroska (by the output's extension) with libavformat, to a file or to stdout (`-`, MPEG-TS).
/// All tracks share one timeline (microseconds), so audio stays in sync with the video it came with;
/// libavformat interleaves them. Raw AAC gets its ADTS headers from libavformat's MPEG-TS muxer.
///
/// For MPEG-TS, frames from MP4 or Matroska (length-prefixed NAL units, `avcC`/`hvcC` extradata) are
/// converted to Annex-B: H.264 by the bitstream filter libavformat inserts for MPEG-TS, H.265 here,
/// with the `hvcC` parameter sets put before each keyframe that carries none of its own (libavformat's
/// filter puts them after in-band ones, so a stream whose parameter sets change midway, e.g. a
/// restarted encoder, would be decoded with the old ones). MP4 and Matroska take the frames as they
/// come (libavformat converts Annex-B input itself). Frames must come in decode order with strictly
/// increasing decode timestamps; the muxer rejects others with `.invalidFrame` instead of writing a
/// broken stream.
public final class VideoFileMuxer {
    /// The video track being written (nil: audio only).
    public let track: VideoTrackInfo?
    /// The audio tracks being written, in stream order after the video.
    public let audioTracks: [AudioTrackInfo]
    /// Audio frames written so far, per audio track.
    public private(set) var audioFramesWritten: [Int]
    /// The container written.
    public let container: VideoContainer
    /// Frames written so far.
    public private(set) var framesWritten = 0
    /// Bytes of frame data written so far.
    public private(set) var bytesWritten = 0

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var stream: UnsafeMutablePointer<AVStream>?
    private var audioStreams: [UnsafeMutablePointer<AVStream>] = []
    private var audioLastPTS: [Int64?]
    private var packet: UnsafeMutablePointer<AVPacket>?
    private var lastDTS: Int64?
    private var finished = false
    /// For H.265 with an `hvcC` record: its NAL length size and its parameter sets in Annex-B.
    private var hevcLengthSize: Int?
    private var hevcParameterSets: [UInt8] = []

    /// Creates the output and writes the stream header.
    /// - Parameters:
    ///   - path: A file path, or `-` for stdout.
    ///   - track: The video track (codec, size, extradata) the frames belong to.
    /// - Throws: `MediaError.cannotCreateOutput` (also for an extension no container uses).
    public convenience init(path: String, track: VideoTrackInfo) throws(MediaError) {
        try self.init(path: path, video: track, audio: [])
    }

    /// Creates an output with an optional video stream and the given audio streams (at least one
    /// stream in all), and writes the header.
    /// - Throws: `MediaError.cannotCreateOutput` (also for an extension no container uses).
    public init(path: String, video track: VideoTrackInfo?, audio audioTracks: [AudioTrackInfo]) throws(MediaError) {
        _ = LibAV.configureLogging
        guard let container = VideoContainer(path: path) else {
            throw .cannotCreateOutput("\(path): unknown extension (use \(VideoContainer.extensions))")
        }
        guard track != nil || !audioTracks.isEmpty else { throw .cannotCreateOutput("no track to write") }
        self.track = track
        self.audioTracks = audioTracks
        audioFramesWritten = Array(repeating: 0, count: audioTracks.count)
        audioLastPTS = Array(repeating: nil, count: audioTracks.count)
        self.container = container
        let url = path == "-" ? "pipe:1" : path
        var format: UnsafeMutablePointer<AVFormatContext>?
        var status = avformat_alloc_output_context2(&format, nil, container.rawValue, url)
        guard status >= 0, let format else { throw .cannotCreateOutput(LibAV.errorText(status)) }
        func fail(_ reason: String) -> MediaError {
            if format.pointee.pb != nil { avio_closep(&format.pointee.pb) }
            avformat_free_context(format)
            return .cannotCreateOutput(reason)
        }
        func copyExtradata(_ extradata: [UInt8], to parameters: UnsafeMutablePointer<AVCodecParameters>) -> Bool {
            guard !extradata.isEmpty else { return true }
            guard let buffer = av_mallocz(extradata.count + Int(AV_INPUT_BUFFER_PADDING_SIZE)) else { return false }
            let bytes = buffer.assumingMemoryBound(to: UInt8.self)
            extradata.withUnsafeBufferPointer { bytes.update(from: $0.baseAddress!, count: $0.count) }
            parameters.pointee.extradata = bytes
            parameters.pointee.extradata_size = Int32(extradata.count)
            return true
        }
        var videoStream: UnsafeMutablePointer<AVStream>?
        if let track {
            guard let stream = avformat_new_stream(format, nil), let parameters = stream.pointee.codecpar else {
                throw fail("cannot add a stream")
            }
            videoStream = stream
            parameters.pointee.codec_type = AVMEDIA_TYPE_VIDEO
            parameters.pointee.codec_id = track.codec == .h264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC
            parameters.pointee.codec_tag = 0
            parameters.pointee.width = Int32(clamping: track.width)
            parameters.pointee.height = Int32(clamping: track.height)
            guard copyExtradata(track.extradata, to: parameters) else { throw fail("out of memory") }
            stream.pointee.time_base = LibAV.microseconds
            if track.frameRate.numerator > 0 && track.frameRate.denominator > 0 {
                stream.pointee.avg_frame_rate = AVRational(num: Int32(clamping: track.frameRate.numerator),
                                                           den: Int32(clamping: track.frameRate.denominator))
            }
        }
        var audioStreams: [UnsafeMutablePointer<AVStream>] = []
        for audio in audioTracks {
            guard let stream = avformat_new_stream(format, nil), let parameters = stream.pointee.codecpar else {
                throw fail("cannot add a stream")
            }
            parameters.pointee.codec_type = AVMEDIA_TYPE_AUDIO
            parameters.pointee.codec_id = audio.codec == .aac ? AV_CODEC_ID_AAC : AV_CODEC_ID_OPUS
            parameters.pointee.codec_tag = 0
            parameters.pointee.sample_rate = Int32(clamping: audio.sampleRate)
            av_channel_layout_default(&parameters.pointee.ch_layout, Int32(clamping: audio.channels))
            parameters.pointee.frame_size = Int32(clamping: audio.frameSize)
            guard copyExtradata(audio.extradata, to: parameters) else { throw fail("out of memory") }
            stream.pointee.time_base = LibAV.microseconds
            audioStreams.append(stream)
        }
        status = avio_open(&format.pointee.pb, url, AVIO_FLAG_WRITE)
        guard status >= 0 else { throw fail("\(path): \(LibAV.errorText(status))") }
        var options: OpaquePointer?
        if container == .fragmentedMP4 {
            av_dict_set(&options, "movflags", "frag_keyframe+empty_moov+delay_moov+default_base_moof", 0)
        }
        status = avformat_write_header(format, &options)
        av_dict_free(&options)
        guard status >= 0 else { throw fail(LibAV.errorText(status)) }
        self.format = format
        self.stream = videoStream
        self.audioStreams = audioStreams
        packet = av_packet_alloc()
        if container == .mpegTS, let track, track.codec == .hevc, case .lengthPrefixed(let size) = track.nalUnitFormat {
            hevcLengthSize = size
            hevcParameterSets = Self.annexBParameterSets(hvcC: track.extradata)
        }
    }

    /// The NAL units of an `hvcC` record's arrays (VPS, SPS, PPS, SEI), each after a 4-byte start code.
    static func annexBParameterSets(hvcC record: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        guard record.count > 22 else { return out }
        var offset = 23
        for _ in 0..<Int(record[22]) {
            guard offset + 3 <= record.count else { break }
            let count = Int(record[offset + 1]) << 8 | Int(record[offset + 2])
            offset += 3
            for _ in 0..<count {
                guard offset + 2 <= record.count else { return out }
                let length = Int(record[offset]) << 8 | Int(record[offset + 1])
                offset += 2
                guard length > 0, offset + length <= record.count else { return out }
                out += [0, 0, 0, 1]
                out += record[offset..<offset + length]
                offset += length
            }
        }
        return out
    }

    /// An H.265 frame in Annex-B (4-byte start codes), with the `hvcC` parameter sets first if it is
    /// a keyframe without its own SPS.
    private func hevcAnnexB(_ frame: EncodedVideoFrame, lengthSize: Int) -> [UInt8] {
        let units = NALUnitFormat.lengthPrefixed(lengthSize).units(in: frame.data)
        let hasSPS = units.contains { ($0.first.map { ($0 >> 1) & 0x3F } ?? 0) == 33 }
        var out: [UInt8] = frame.isKeyframe && !hasSPS ? hevcParameterSets : []
        out.reserveCapacity(out.count + frame.data.count + units.count * 4)
        for unit in units {
            out += [0, 0, 0, 1]
            out += unit
        }
        return out
    }

    deinit {
        if !finished, let format {
            _ = av_write_trailer(format)
        }
        if let format {
            avio_closep(&format.pointee.pb)
            avformat_free_context(format)
        }
        av_packet_free(&packet)
    }

    /// Writes one frame.
    /// - Throws: `MediaError.invalidFrame` for an empty frame or a decode timestamp that does not
    ///   increase; `.writeFailed` when libavformat fails.
    public func write(_ frame: EncodedVideoFrame) throws(MediaError) {
        guard let format, let packet, !finished else { throw .writeFailed("muxer already finished") }
        guard let stream else { throw .invalidFrame("this output has no video stream") }
        guard !frame.data.isEmpty else { throw .invalidFrame("empty frame") }
        if let lastDTS, frame.dtsMicroseconds <= lastDTS {
            throw .invalidFrame("decode timestamp \(frame.dtsMicroseconds) µs does not follow \(lastDTS) µs")
        }
        guard frame.ptsMicroseconds >= frame.dtsMicroseconds else {
            throw .invalidFrame("presentation timestamp \(frame.ptsMicroseconds) µs before decode timestamp \(frame.dtsMicroseconds) µs")
        }
        let data = hevcLengthSize.map { hevcAnnexB(frame, lengthSize: $0) } ?? frame.data
        guard !data.isEmpty else { throw .invalidFrame("no NAL unit in frame") }
        var status = av_new_packet(packet, Int32(clamping: data.count))
        guard status >= 0, let target = packet.pointee.data else { throw .writeFailed(LibAV.errorText(status)) }
        data.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: $0.count) }
        let timeBase = stream.pointee.time_base
        packet.pointee.stream_index = stream.pointee.index
        packet.pointee.pts = av_rescale_q(frame.ptsMicroseconds, LibAV.microseconds, timeBase)
        packet.pointee.dts = av_rescale_q(frame.dtsMicroseconds, LibAV.microseconds, timeBase)
        packet.pointee.duration = av_rescale_q(frame.durationMicroseconds, LibAV.microseconds, timeBase)
        packet.pointee.flags = frame.isKeyframe ? AV_PKT_FLAG_KEY : 0
        status = av_interleaved_write_frame(format, packet)  // takes the packet's data
        guard status >= 0 else { throw .writeFailed(LibAV.errorText(status)) }
        lastDTS = frame.dtsMicroseconds
        framesWritten += 1
        bytesWritten += frame.data.count
    }

    /// Writes one frame of audio track `track` (an index into `audioTracks`).
    /// - Throws: `MediaError.invalidFrame` for an empty frame, an unknown track or a timestamp that
    ///   does not increase; `.writeFailed` when libavformat fails.
    public func writeAudio(_ frame: EncodedAudioFrame, track: Int) throws(MediaError) {
        guard let format, let packet, !finished else { throw .writeFailed("muxer already finished") }
        guard audioStreams.indices.contains(track) else { throw .invalidFrame("no audio track \(track)") }
        guard !frame.data.isEmpty else { throw .invalidFrame("empty frame") }
        if let last = audioLastPTS[track], frame.ptsMicroseconds <= last {
            throw .invalidFrame("audio timestamp \(frame.ptsMicroseconds) µs does not follow \(last) µs")
        }
        let stream = audioStreams[track]
        var status = av_new_packet(packet, Int32(clamping: frame.data.count))
        guard status >= 0, let target = packet.pointee.data else { throw .writeFailed(LibAV.errorText(status)) }
        frame.data.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: $0.count) }
        let timeBase = stream.pointee.time_base
        packet.pointee.stream_index = stream.pointee.index
        packet.pointee.pts = av_rescale_q(frame.ptsMicroseconds, LibAV.microseconds, timeBase)
        packet.pointee.dts = packet.pointee.pts
        packet.pointee.duration = av_rescale_q(frame.durationMicroseconds, LibAV.microseconds, timeBase)
        packet.pointee.flags = AV_PKT_FLAG_KEY
        status = av_interleaved_write_frame(format, packet)
        guard status >= 0 else { throw .writeFailed(LibAV.errorText(status)) }
        audioLastPTS[track] = frame.ptsMicroseconds
        audioFramesWritten[track] += 1
    }

    /// Flushes buffered packets, writes the trailer and closes the output.
    public func finish() throws(MediaError) {
        guard let format, !finished else { return }
        finished = true
        let status = av_write_trailer(format)
        avio_closep(&format.pointee.pb)
        guard status >= 0 else { throw .writeFailed(LibAV.errorText(status)) }
    }
}
