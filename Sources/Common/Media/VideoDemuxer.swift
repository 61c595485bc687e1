import CAVFormat
import Foundation

/// Reads the video frames of any file libavformat opens (MP4, Matroska, MPEG-TS, ...) in decode order,
/// or of a live input (standard input, a `udp://`/`srt://`/... URL) as they arrive.
///
/// Each frame's class (I/P/B) comes from the codec's picture type as a libavcodec parser reports it,
/// not from the keyframe flag. Only the best video stream is read, plus, with `includeAudio`, every
/// AAC and Opus stream (`audioTracks`, returned by `nextMediaFrame()`); other streams are discarded.
///
///     let demuxer = try VideoDemuxer(path: "media/test.mp4")
///     while let frame = try demuxer.nextFrame() { ... }
///
/// Live input reads no further ahead than its decode timestamps need: not at all when the container
/// stores them (MPEG-TS, FLV, MP4), as far as the codec's declared reorder depth (at least one
/// frame) otherwise. Packets libavformat reads while probing the input are dropped, not queued
/// (`fflags nobuffer`), so the first frame returned is a fresh one.
public final class VideoDemuxer {
    /// The video track being read.
    public let track: VideoTrackInfo
    /// The container's duration in microseconds, when known.
    public let durationMicroseconds: Int64?
    /// The path that was opened (for live input: `-` or the URL).
    public let path: String
    /// What was opened.
    public let input: MediaInput
    /// Frames read ahead of the one returned, to decide decode timestamps (0: none).
    public let lookahead: Int
    /// When the packet of the frame `nextFrame()` returned last was read, µs since the Unix epoch
    /// (its arrival, for live input).
    public private(set) var lastFrameArrivalMicroseconds: UInt64?
    /// True when a live input ended because nothing arrived for the read timeout.
    public private(set) var timedOut = false
    /// The audio streams read beside the video (opened with `includeAudio`): every AAC and Opus
    /// stream, in the file's order. Empty otherwise.
    public let audioTracks: [AudioTrackInfo]
    /// Audio streams of the input that are not read, as "index: codec" (an unsupported codec).
    public let ignoredAudioStreams: [String]

    private var format: UnsafeMutablePointer<AVFormatContext>?
    private var codecContext: UnsafeMutablePointer<AVCodecContext>?
    private var parser: UnsafeMutablePointer<AVCodecParserContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    private let streamIndex: Int32
    private let timeBase: AVRational
    private let nalUnitFormat: NALUnitFormat
    private let frameDuration: Int64
    /// Decode timestamps for containers without them (Matroska) and for any reorder depth.
    private var timestamps: DecodeTimestampDeriver
    /// Frames read ahead, waiting for their decode timestamps (in decode order), with their arrival.
    private var readAhead: [(frame: EncodedVideoFrame, arrival: UInt64)] = []
    /// Live input whose container stores decode timestamps: each frame is returned as it is read.
    private let direct: Bool
    private var lastDTS: Int64?
    private var lastPTS: Int64?
    private let readTimeoutMicroseconds: Int64?
    /// Ends a live input that stays silent for the read timeout.
    private let watchdog: InputWatchdog?
    private var readAheadStart = 0
    private var atEnd = false
    /// Audio stream index in the file -> (index into `audioTracks`, the stream's time base).
    private var audioStreams: [Int32: (track: Int, timeBase: AVRational)] = [:]
    /// Audio frames read (while looking for video frames) and not yet returned, with their arrival.
    private var audioQueue: [(track: Int, frame: EncodedAudioFrame, arrival: UInt64)] = []
    /// The end of the last audio frame per track (µs), for a packet without timestamps.
    private var audioEnd: [Int: Int64] = [:]
    /// Files: the next video frame, held while earlier audio frames are returned.
    private var peekedVideo: EncodedVideoFrame?
    private var peekedArrival: UInt64?
    private var videoEnded = false

    /// Opens the file at `path` and selects its video stream.
    /// - Throws: `MediaError.fileNotFound`, `.cannotOpen`, `.noVideoStream` or `.unsupportedCodec`.
    public convenience init(path: String, includeAudio: Bool = false) throws(MediaError) {
        try self.init(input: .file(path), includeAudio: includeAudio)
    }

    /// Opens `input` and selects its video stream.
    /// - Parameter readTimeoutMicroseconds: For live input: when nothing arrives for this long,
    ///   the input ends (`timedOut`); nil waits for ever. libavformat checks it while it waits for
    ///   data (udp, srt, tcp, ...); standard input ends at its EOF.
    /// - Parameter includeAudio: Also read every AAC and Opus stream (`audioTracks`), returned by
    ///   `nextMediaFrame()`; otherwise only the video is read.
    /// - Throws: `MediaError.fileNotFound`, `.cannotOpen`, `.noVideoStream` or `.unsupportedCodec`.
    public init(input: MediaInput, readTimeoutMicroseconds: Int64? = nil, includeAudio: Bool = false) throws(MediaError) {
        _ = LibAV.configureLogging
        self.input = input
        let path: String
        switch input {
        case .file(let file): path = file
        case .standardInput: path = "-"
        case .url(let url): path = url
        }
        self.path = path
        if case .file = input {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw .fileNotFound(path) }
            guard !isDirectory.boolValue else { throw .cannotOpen(path, reason: "is a directory") }
        }
        let live = input.isLive
        self.readTimeoutMicroseconds = live ? readTimeoutMicroseconds.map { max(1, $0) } : nil

        var format: UnsafeMutablePointer<AVFormatContext>? = avformat_alloc_context()
        var openOptions: OpaquePointer?
        if live {
            // Packets read while probing are dropped, not queued for av_read_frame: they would
            // come out late, in a burst.
            av_dict_set(&openOptions, "fflags", "nobuffer", 0)
        }
        let watchdog = self.readTimeoutMicroseconds.map { InputWatchdog(timeoutMicroseconds: $0) }
        self.watchdog = watchdog
        if let watchdog, let format {
            watchdog.format = format
            format.pointee.interrupt_callback = AVIOInterruptCB(callback: { opaque in
                guard let opaque else { return 0 }
                return Unmanaged<InputWatchdog>.fromOpaque(opaque).takeUnretainedValue().expired() ? 1 : 0
            }, opaque: Unmanaged.passUnretained(watchdog).toOpaque())
        }
        var status = avformat_open_input(&format, input.libavURL, nil, &openOptions)
        av_dict_free(&openOptions)
        if let watchdog, watchdog.fired {
            avformat_close_input(&format)
            throw .cannotOpen(path, reason: "no data for \(Double(watchdog.timeoutMicroseconds) / 1e6) s")
        }
        guard status >= 0, let format else { throw .cannotOpen(path, reason: LibAV.errorText(status)) }
        self.format = format
        // From here on, deinit frees what was allocated if an error is thrown... but deinit does not
        // run for a partially initialised class, so release by hand on each failure.
        func fail(_ error: MediaError) -> MediaError {
            var f: UnsafeMutablePointer<AVFormatContext>? = format
            avformat_close_input(&f)
            return error
        }
        status = avformat_find_stream_info(format, nil)
        if let watchdog, watchdog.fired {
            throw fail(.cannotOpen(path, reason: "no data for \(Double(watchdog.timeoutMicroseconds) / 1e6) s"))
        }
        guard status >= 0 else { throw fail(.cannotOpen(path, reason: LibAV.errorText(status))) }

        let index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
        guard index >= 0, let stream = cav_stream(format, UInt32(index)), let parameters = stream.pointee.codecpar else {
            throw fail(.noVideoStream(path))
        }
        let codec: VideoCodec
        switch parameters.pointee.codec_id {
        case AV_CODEC_ID_H264: codec = .h264
        case AV_CODEC_ID_HEVC: codec = .hevc
        default: throw fail(.unsupportedCodec(String(cString: avcodec_get_name(parameters.pointee.codec_id))))
        }
        var audio: [AudioTrackInfo] = []
        var ignored: [String] = []
        var audioStreams: [Int32: (track: Int, timeBase: AVRational)] = [:]
        for i in 0..<format.pointee.nb_streams where Int32(i) != index {
            guard let other = cav_stream(format, i) else { continue }
            if includeAudio, let p = other.pointee.codecpar, p.pointee.codec_type == AVMEDIA_TYPE_AUDIO {
                let codec: AudioCodec?
                switch p.pointee.codec_id {
                case AV_CODEC_ID_AAC: codec = .aac
                case AV_CODEC_ID_OPUS: codec = .opus
                default: codec = nil
                }
                let name = String(cString: avcodec_get_name(p.pointee.codec_id))
                if let codec, p.pointee.sample_rate > 0, p.pointee.ch_layout.nb_channels > 0 {
                    var extra: [UInt8] = []
                    if let bytes = p.pointee.extradata, p.pointee.extradata_size > 0 {
                        extra = Array(UnsafeBufferPointer(start: bytes, count: Int(p.pointee.extradata_size)))
                    }
                    audioStreams[Int32(i)] = (audio.count, other.pointee.time_base)
                    audio.append(AudioTrackInfo(codec: codec, sampleRate: Int(p.pointee.sample_rate),
                                                channels: Int(p.pointee.ch_layout.nb_channels),
                                                frameSize: Int(max(0, p.pointee.frame_size)), extradata: extra,
                                                sourceStreamIndex: Int(i)))
                    continue
                }
                ignored.append("\(i): \(name)")
            }
            other.pointee.discard = AVDISCARD_ALL
        }
        audioTracks = audio
        ignoredAudioStreams = ignored
        self.audioStreams = audioStreams

        var extradata: [UInt8] = []
        if let bytes = parameters.pointee.extradata, parameters.pointee.extradata_size > 0 {
            extradata = Array(UnsafeBufferPointer(start: bytes, count: Int(parameters.pointee.extradata_size)))
        }
        var rate = stream.pointee.avg_frame_rate
        if rate.num <= 0 || rate.den <= 0 { rate = stream.pointee.r_frame_rate }
        if rate.num <= 0 || rate.den <= 0 { rate = AVRational(num: 0, den: 0) }
        streamIndex = index
        timeBase = stream.pointee.time_base
        frameDuration = rate.num > 0 ? av_rescale_q(1, AVRational(num: rate.den, den: rate.num), LibAV.microseconds) : 0
        track = VideoTrackInfo(
            codec: codec,
            codecName: String(cString: avcodec_get_name(parameters.pointee.codec_id)),
            width: Int(parameters.pointee.width), height: Int(parameters.pointee.height),
            timeBase: MediaRational(Int(timeBase.num), Int(timeBase.den)),
            frameRate: MediaRational(Int(rate.num), Int(rate.den)),
            extradata: extradata)
        nalUnitFormat = track.nalUnitFormat
        durationMicroseconds = format.pointee.duration > 0 ? format.pointee.duration : nil  // AV_TIME_BASE is µs
        // MP4, MPEG-TS and FLV store decode times; Matroska (and the rest) only presentation times,
        // and libavformat's guesses for them are missing for the first frames of a reordered stream.
        let formatNames = format.pointee.iformat.map { String(cString: $0.pointee.name).split(separator: ",") } ?? []
        let storesDTS = formatNames.contains { ["mov", "mp4", "mpegts", "flv"].contains($0) }
        let declaredDepth = Int(parameters.pointee.video_delay)
        // Live input: no lookahead where the container's DTS can be used as they are; otherwise
        // only as far as the declared reorder depth needs (the deriver's clamps cover a deeper one).
        direct = live && storesDTS
        lookahead = direct ? 0 : live ? max(1, declaredDepth) : 20
        timestamps = DecodeTimestampDeriver(declaredReorderDepth: declaredDepth, frameDuration: frameDuration,
                                            usesContainerDTS: storesDTS, lookahead: max(1, lookahead))

        // A parser told that every packet is one complete frame reports each frame's picture type.
        codecContext = avcodec_alloc_context3(nil)
        if let codecContext { _ = avcodec_parameters_to_context(codecContext, parameters) }
        parser = av_parser_init(Int32(parameters.pointee.codec_id.rawValue))
        if let parser { parser.pointee.flags |= PARSER_FLAG_COMPLETE_FRAMES }
        packet = av_packet_alloc()
    }

    deinit {
        watchdog?.format = nil
        if let parser { av_parser_close(parser) }
        avcodec_free_context(&codecContext)
        av_packet_free(&packet)
        avformat_close_input(&format)
    }

    /// The next video frame in decode order, or nil at the end of the input.
    /// Frames are read a few ahead (`DecodeTimestampDeriver.lookahead`) to decide decode timestamps.
    /// - Throws: `MediaError.readFailed` when the input is damaged.
    public func nextFrame() throws(MediaError) -> EncodedVideoFrame? {
        if direct { return try nextFrameAsRead() }
        while true {
            if let times = timestamps.pop(flushing: atEnd) {
                var (frame, arrival) = readAhead[readAheadStart]
                lastFrameArrivalMicroseconds = arrival
                readAheadStart += 1
                if readAheadStart > 64 {
                    readAhead.removeFirst(readAheadStart)
                    readAheadStart = 0
                }
                frame.ptsMicroseconds = times.pts
                frame.dtsMicroseconds = times.dts
                return frame
            }
            if atEnd { return nil }
            guard let (frame, pts, dts) = try readFrame() else {
                atEnd = true
                continue
            }
            readAhead.append((frame, Self.wallMicroseconds()))
            timestamps.push(pts: pts, dts: dts)
        }
    }

    /// Live input with stored decode timestamps: the next frame as soon as it is read, its DTS the
    /// container's, clamped (as the deriver does) to be >= 100 µs after the previous one; a frame
    /// without a DTS (or with one after its PTS) decodes at its PTS.
    private func nextFrameAsRead() throws(MediaError) -> EncodedVideoFrame? {
        guard !atEnd else { return nil }
        guard let (read, containerPTS, containerDTS) = try readFrame() else {
            atEnd = true
            return nil
        }
        lastFrameArrivalMicroseconds = Self.wallMicroseconds()
        return stampAsRead(read, containerPTS: containerPTS, containerDTS: containerDTS)
    }

    private func stampAsRead(_ read: EncodedVideoFrame, containerPTS: Int64?, containerDTS: Int64?) -> EncodedVideoFrame {
        var frame = read
        let pts = containerPTS ?? containerDTS ?? lastPTS.map { $0 + max(1, frameDuration) } ?? 0
        var dts = min(containerDTS ?? pts, pts)
        if let lastDTS { dts = max(dts, lastDTS + timestamps.minimumStep) }
        lastPTS = pts
        lastDTS = dts
        frame.ptsMicroseconds = pts
        frame.dtsMicroseconds = dts
        return frame
    }

    private static func wallMicroseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1_000_000) }

    /// The next packet of the video stream as a frame (timestamps not yet decided), with its
    /// container pts and dts in µs; nil at the end.
    private func readFrame() throws(MediaError) -> (EncodedVideoFrame, Int64?, Int64?)? {
        while true {
            switch try readPacket() {
            case .video(let frame, let pts, let dts): return (frame, pts, dts)
            case .audioQueued: continue
            case .end: return nil
            }
        }
    }

    private enum ReadResult {
        case video(EncodedVideoFrame, Int64?, Int64?)
        case audioQueued
        case end
    }

    /// The next packet of the video stream (as `readFrame`), or an audio packet put on the audio queue.
    private func readPacket() throws(MediaError) -> ReadResult {
        guard let format, let packet else { return .end }
        while true {
            let status = av_read_frame(format, packet)
            if status == cav_error_eof() { return .end }
            // A live input that stayed silent for the read timeout has ended.
            if let watchdog, watchdog.fired {
                timedOut = true
                return .end
            }
            guard status >= 0 else { throw .readFailed(LibAV.errorText(status)) }
            defer { av_packet_unref(packet) }
            guard let data = packet.pointee.data, packet.pointee.size > 0 else { continue }
            let bytes = UnsafeBufferPointer(start: data, count: Int(packet.pointee.size))
            if let audio = audioStreams[packet.pointee.stream_index] {
                queueAudio(bytes, packet: packet.pointee, track: audio.track, timeBase: audio.timeBase)
                return .audioQueued
            }
            guard packet.pointee.stream_index == streamIndex else { continue }
            let (frame, pts, dts) = makeFrame(bytes, packet: packet.pointee)
            return .video(frame, pts, dts)
        }
    }

    private func queueAudio(_ bytes: UnsafeBufferPointer<UInt8>, packet: AVPacket, track: Int, timeBase: AVRational) {
        let noPTS = cav_nopts_value()
        let stamp = packet.pts != noPTS ? packet.pts : packet.dts
        let pts = stamp != noPTS ? av_rescale_q(stamp, timeBase, LibAV.microseconds) : (audioEnd[track] ?? 0)
        var duration = packet.duration > 0 ? av_rescale_q(packet.duration, timeBase, LibAV.microseconds) : 0
        if duration == 0 {
            let info = audioTracks[track]
            if info.frameSize > 0 { duration = Int64(info.frameSize) * 1_000_000 / Int64(info.sampleRate) }
        }
        audioEnd[track] = pts + duration
        audioQueue.append((track, EncodedAudioFrame(data: Array(bytes), ptsMicroseconds: pts, durationMicroseconds: duration),
                           Self.wallMicroseconds()))
    }

    /// The next frame of any track read (video, or audio with `includeAudio`), or nil at the end.
    ///
    /// Files: in time order across tracks (an audio frame comes before the video frame whose decode
    /// time is later than its presentation time), so a paced sender sends each at its time. Live
    /// input: each frame as soon as it is read (audio first when both are waiting). Video frames
    /// get their decode timestamps as from `nextFrame()`.
    public func nextMediaFrame() throws(MediaError) -> DemuxedFrame? {
        while true {
            if input.isLive {
                if !audioQueue.isEmpty { return popAudio() }
                if direct {
                    guard !atEnd else { return nil }
                    switch try readPacket() {
                    case .video(let frame, let pts, let dts):
                        lastFrameArrivalMicroseconds = Self.wallMicroseconds()
                        return .video(stampAsRead(frame, containerPTS: pts, containerDTS: dts))
                    case .audioQueued: continue
                    case .end: atEnd = true; continue
                    }
                }
                if let frame = try nextFrame() { return .video(frame) }
                if audioQueue.isEmpty { return nil }
                continue
            }
            if peekedVideo == nil, !videoEnded {
                if let frame = try nextFrame() {
                    peekedVideo = frame
                    peekedArrival = lastFrameArrivalMicroseconds
                } else {
                    videoEnded = true
                }
            }
            if let first = audioQueue.first, peekedVideo.map({ first.frame.ptsMicroseconds <= $0.dtsMicroseconds }) ?? true {
                return popAudio()
            }
            guard let video = peekedVideo else { return nil }
            peekedVideo = nil
            lastFrameArrivalMicroseconds = peekedArrival
            return .video(video)
        }
    }

    private func popAudio() -> DemuxedFrame {
        let (track, frame, arrival) = audioQueue.removeFirst()
        lastFrameArrivalMicroseconds = arrival
        return .audio(track: track, frame)
    }

    /// Reads every remaining frame.
    public func readAll() throws(MediaError) -> [EncodedVideoFrame] {
        var frames: [EncodedVideoFrame] = []
        while let frame = try nextFrame() { frames.append(frame) }
        return frames
    }

    private func makeFrame(_ bytes: UnsafeBufferPointer<UInt8>, packet: AVPacket) -> (EncodedVideoFrame, Int64?, Int64?) {
        let data = Array(bytes)
        let noPTS = cav_nopts_value()
        let dts = packet.dts != noPTS ? av_rescale_q(packet.dts, timeBase, LibAV.microseconds) : nil
        let pts = packet.pts != noPTS ? av_rescale_q(packet.pts, timeBase, LibAV.microseconds) : nil
        let duration = packet.duration > 0 ? av_rescale_q(packet.duration, timeBase, LibAV.microseconds) : frameDuration
        let isKeyframe = packet.flags & AV_PKT_FLAG_KEY != 0

        var pictureType = AV_PICTURE_TYPE_NONE.rawValue
        if let parser, let codecContext {
            var out: UnsafeMutablePointer<UInt8>?
            var outSize: Int32 = 0
            _ = av_parser_parse2(parser, codecContext, &out, &outSize, bytes.baseAddress, Int32(bytes.count),
                                 packet.pts, packet.dts, packet.pos)
            pictureType = UInt32(bitPattern: parser.pointee.pict_type)
        }
        let frameClass: VideoFrameClass
        switch AVPictureType(rawValue: pictureType) {
        case AV_PICTURE_TYPE_I, AV_PICTURE_TYPE_SI: frameClass = .i
        case AV_PICTURE_TYPE_P, AV_PICTURE_TYPE_SP, AV_PICTURE_TYPE_S: frameClass = .p
        case AV_PICTURE_TYPE_B, AV_PICTURE_TYPE_BI: frameClass = .b
        default: frameClass = isKeyframe ? .i : .p  // the parser saw no slice: the safest class
        }
        let isReference = track.codec.isReference(nalUnits: nalUnitFormat.units(in: data))
        let frame = EncodedVideoFrame(data: data, ptsMicroseconds: 0, dtsMicroseconds: 0,  // set by nextFrame
                                      durationMicroseconds: duration, isKeyframe: isKeyframe,
                                      frameClass: frameClass, isReference: isReference || isKeyframe)
        return (frame, pts, dts)
    }
}

/// libavformat's interrupt callback for a live input with a read timeout: it is asked while
/// libavformat waits for data, and answers "stop" once the input's byte position has not moved for
/// the timeout (so probing, which reads without returning packets, counts as activity).
final class InputWatchdog {
    let timeoutMicroseconds: Int64
    var format: UnsafeMutablePointer<AVFormatContext>?
    private(set) var fired = false
    private var lastPosition: Int64 = -1
    private var lastActivity = InputWatchdog.now()

    init(timeoutMicroseconds: Int64) {
        self.timeoutMicroseconds = timeoutMicroseconds
    }

    /// True once nothing was read for the timeout (and from then on).
    func expired() -> Bool {
        if fired { return true }
        let now = Self.now()
        if let pb = format?.pointee.pb, pb.pointee.pos != lastPosition {
            lastPosition = pb.pointee.pos
            lastActivity = now
        }
        if now - lastActivity > timeoutMicroseconds { fired = true }
        return fired
    }

    private static func now() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds / 1_000) }
}
