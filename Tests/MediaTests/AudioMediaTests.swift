import XCTest
import TestSupport
@testable import Media

/// ffprobe helpers for the audio clips (`TestMedia.audioClip`).
enum AudioClips {
    /// ffprobe's packet timestamps (seconds) of audio stream `index` of `path`.
    static func audioPacketTimes(_ path: String, index: Int = 0) throws -> [Double] {
        let r = try TestMedia.run("ffprobe", ["-v", "error", "-select_streams", "a:\(index)", "-show_entries", "packet=pts_time",
                                              "-of", "csv=p=0", path])
        XCTAssertEqual(r.status, 0, r.stderr)
        // A packet with side data prints "time," (and a blank line after it).
        return r.stdout.split(separator: "\n").compactMap { Double($0.split(separator: ",").first ?? "") }
    }
}

final class AudioMediaTests: XCTestCase {
    func testDemuxerReadsAACAndOpusTracksBesideTheVideo() throws {
        let aac = try VideoDemuxer(path: try TestMedia.audioClip("av-aac.mp4"), includeAudio: true)
        XCTAssertEqual(aac.audioTracks.count, 1)
        let a = try XCTUnwrap(aac.audioTracks.first)
        XCTAssertEqual(a.codec, .aac)
        XCTAssertEqual(a.codecString, "mp4a.40.2")
        XCTAssertEqual(a.sampleRate, 48_000)
        XCTAssertEqual(a.channels, 2)
        XCTAssertGreaterThanOrEqual(a.extradata.count, 2, "AudioSpecificConfig")
        XCTAssertEqual(a.extradata.first.map { $0 >> 3 }, 2, "AAC-LC")
        XCTAssertEqual(a.sourceStreamIndex, 1)

        let two = try VideoDemuxer(path: try TestMedia.audioClip("av-two-audio.mkv"), includeAudio: true)
        XCTAssertEqual(two.audioTracks.map(\.codecString), ["mp4a.40.2", "opus"])
        XCTAssertEqual(two.audioTracks.map(\.sampleRate), [44_100, 48_000])
        XCTAssertEqual(two.audioTracks.map(\.channels), [1, 2])
        XCTAssertEqual(two.ignoredAudioStreams, ["3: mp3"])
        XCTAssertEqual(String(decoding: two.audioTracks[1].extradata.prefix(8), as: UTF8.self), "OpusHead")

        // Without includeAudio nothing changes: no audio tracks, video frames only.
        XCTAssertEqual(try VideoDemuxer(path: try TestMedia.audioClip("av-aac.mp4")).audioTracks, [])
    }

    /// nextMediaFrame returns every frame of every track, each track's in order, in time order across
    /// tracks (within the demuxer's lookahead: an audio frame never comes after a video frame that
    /// decodes 0.1 s after it), and the same video frames as nextFrame; audio timestamps are the
    /// container's (AAC priming: the first at -1024 samples).
    func testMediaFramesComeInTimeOrderWithEveryPacket() throws {
        for clip in ["av-aac.mp4", "av-opus.mkv", "av-two-audio.mkv"] {
            let path = try TestMedia.audioClip(clip)
            let demuxer = try VideoDemuxer(path: path, includeAudio: true)
            var video: [EncodedVideoFrame] = []
            var audio: [[EncodedAudioFrame]] = Array(repeating: [], count: demuxer.audioTracks.count)
            var lastVideoDTS = Int64.min
            while let frame = try demuxer.nextMediaFrame() {
                switch frame {
                case .video(let v):
                    video.append(v)
                    lastVideoDTS = v.dtsMicroseconds
                case .audio(let track, let a):
                    audio[track].append(a)
                    XCTAssertGreaterThanOrEqual(a.ptsMicroseconds, lastVideoDTS - 100_000, "\(clip): audio after a later video frame")
                }
            }
            XCTAssertEqual(video, try VideoDemuxer(path: path).readAll(), clip)
            for (index, frames) in audio.enumerated() {
                let times = try AudioClips.audioPacketTimes(path, index: index)
                XCTAssertEqual(frames.count, times.count, "\(clip) audio \(index)")
                XCTAssertEqual(zip(frames, times).map { abs(Double($0.ptsMicroseconds) / 1e6 - $1) }.max() ?? 1, 0, accuracy: 0.001, clip)
                XCTAssertTrue(zip(frames, frames.dropFirst()).allSatisfy { $0.ptsMicroseconds < $1.ptsMicroseconds }, clip)
                XCTAssertTrue(frames.allSatisfy { $0.durationMicroseconds > 0 && !$0.data.isEmpty }, clip)
            }
        }
        let demuxer = try VideoDemuxer(path: try TestMedia.audioClip("av-aac.mp4"), includeAudio: true)
        var firstAudio: EncodedAudioFrame?
        while firstAudio == nil, let frame = try demuxer.nextMediaFrame() {
            if case .audio(_, let a) = frame { firstAudio = a }
        }
        XCTAssertEqual(firstAudio?.ptsMicroseconds, -21_333)
    }

    func testMuxerWritesAudioBesideVideoAndRefusesBadAudioFrames() throws {
        let dir = try TestMedia.temporaryDirectory(for: self)
        let demuxer = try VideoDemuxer(path: try TestMedia.audioClip("av-opus.mkv"), includeAudio: true)
        for ext in ["ts", "mp4", "mkv"] {
            let out = dir.appendingPathComponent("out.\(ext)").path
            let muxer = try VideoFileMuxer(path: out, video: demuxer.track, audio: demuxer.audioTracks)
            let source = try VideoDemuxer(path: try TestMedia.audioClip("av-opus.mkv"), includeAudio: true)
            var audioFrames = 0
            while let frame = try source.nextMediaFrame() {
                switch frame {
                case .video(let v): try muxer.write(v)
                case .audio(let t, let a):
                    try muxer.writeAudio(a, track: t)
                    audioFrames += 1
                    if audioFrames == 10 {
                        XCTAssertThrowsError(try muxer.writeAudio(a, track: t)) {
                            guard case .invalidFrame? = $0 as? MediaError else { return XCTFail("\($0)") }
                        }
                    }
                }
            }
            XCTAssertThrowsError(try muxer.writeAudio(EncodedAudioFrame(data: [1], ptsMicroseconds: 99_000_000, durationMicroseconds: 1), track: 1))
            XCTAssertThrowsError(try muxer.writeAudio(EncodedAudioFrame(data: [], ptsMicroseconds: 99_000_000, durationMicroseconds: 1), track: 0))
            try muxer.finish()
            XCTAssertEqual(muxer.audioFramesWritten, [audioFrames], ext)
            XCTAssertEqual(try AudioClips.audioPacketTimes(out).count, audioFrames, ext)
            XCTAssertEqual(try TestMedia.videoFrameMD5s(out), try TestMedia.videoFrameMD5s(try TestMedia.audioClip("av-opus.mkv")), ext)
        }
        // Audio only; and an output with no track at all is refused.
        let audioOnly = dir.appendingPathComponent("audio.ts").path
        let muxer = try VideoFileMuxer(path: audioOnly, video: nil, audio: demuxer.audioTracks)
        XCTAssertThrowsError(try muxer.write(EncodedVideoFrame(data: [0, 0, 0, 1, 0x65], ptsMicroseconds: 0, dtsMicroseconds: 0,
                                                               durationMicroseconds: 1, isKeyframe: true, frameClass: .i)))
        try muxer.writeAudio(EncodedAudioFrame(data: [0xfc, 0xff, 0xfe], ptsMicroseconds: 0, durationMicroseconds: 20_000), track: 0)
        try muxer.finish()
        XCTAssertThrowsError(try VideoFileMuxer(path: dir.appendingPathComponent("none.ts").path, video: nil, audio: [])) {
            guard case .cannotCreateOutput? = $0 as? MediaError else { return XCTFail("\($0)") }
        }
    }

    func testAudioCodecStrings() {
        XCTAssertEqual(AudioCodec.aac.codecString(extradata: [0x12, 0x10]), "mp4a.40.2")
        XCTAssertEqual(AudioCodec.aac.codecString(extradata: [0x2b, 0x92]), "mp4a.40.5", "HE-AAC (SBR) object type")
        XCTAssertEqual(AudioCodec.aac.codecString(extradata: []), "mp4a.40.2")
        XCTAssertEqual(AudioCodec.opus.codecString(extradata: []), "opus")
        XCTAssertEqual(AudioCodec(codecString: "mp4a.40.2"), .aac)
        XCTAssertEqual(AudioCodec(codecString: "opus"), .opus)
        XCTAssertNil(AudioCodec(codecString: "mp3"))
        XCTAssertNil(AudioCodec(codecString: "avc1.64001e"))
    }
}
