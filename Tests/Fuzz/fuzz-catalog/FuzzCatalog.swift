import FuzzSupport
import MoQMedia

/// libFuzzer harness for the catalog decoder (`MediaCatalog.decode`, the JSON moq-sub reads from
/// the "catalog" track) and the muxer's view of it (`videoTrackInfo(named:)`, `audioTrackInfo(named:)`,
/// the track choice of `mediaTrackNames` / `isAudioTrack`).
///
/// A decoded catalog must encode to JSON that decodes to the same catalog, with a stable
/// encoding; looking up every track must throw `CatalogError` or succeed, never trap.
enum FuzzCatalog {
    static func run(_ input: [UInt8]) {
        let catalog: MediaCatalog
        do {
            catalog = try MediaCatalog.decode(input)
        } catch {
            _ = error.description
            return
        }
        for track in catalog.tracks {
            do {
                let info = try catalog.videoTrackInfo(named: track.name)
                fuzzCheck(info.width > 0 && info.height > 0, "track info with a non-positive size")
            } catch {
                _ = error.description
            }
            do {
                let info = try catalog.audioTrackInfo(named: track.name)
                fuzzCheck(info.sampleRate > 0 && info.channels > 0, "audio track info with no sample rate or channels")
            } catch {
                _ = error.description
            }
            _ = catalog.isAudioTrack(named: track.name)
        }
        let names = catalog.mediaTrackNames
        fuzzCheck(names.allSatisfy { name in catalog.tracks.contains { $0.name == name } }, "a media track name not in the catalog")
        let bytes = catalog.encoded()
        fuzzCheck(!bytes.isEmpty, "a decoded catalog did not encode")
        let back: MediaCatalog
        do { back = try MediaCatalog.decode(bytes) } catch {
            fuzzCheck(false, "re-encoded catalog rejected: \(error)\n  json: \(String(decoding: bytes, as: UTF8.self))"); return
        }
        fuzzCheckEqual(back, catalog, "catalog after re-encoding")
        fuzzCheckEqual(back.encoded(), bytes, "catalog encoding after a round trip")
    }

    static func seeds() -> [(String, [UInt8])] {
        let full = MediaCatalog(tracks: [
            MediaCatalog.Track(name: "video", namespace: "live/demo", packaging: "loc", isLive: true, role: "video", codec: "avc1.64001f",
                               width: 1280, height: 720, framerate: 29.97, timescale: 1_000_000, priority: 2, extradata: "AWQAH//hABln"),
            MediaCatalog.Track(name: "video-hevc", codec: "hvc1.1.6.L93.B0", width: 640, height: 360, framerate: 30),
        ])
        let audio = MediaCatalog(tracks: [
            MediaCatalog.Track(name: "video", role: "video", codec: "avc1.64001e", width: 320, height: 180, framerate: 30,
                               timescale: 1_000_000, priority: 1),
            MediaCatalog.Track(name: "audio", role: "audio", codec: "mp4a.40.2", samplerate: 48_000, channelConfig: "2",
                               timescale: 1_000_000, priority: 1, extradata: "EZBW5QA="),
            MediaCatalog.Track(name: "audio2", role: "audio", codec: "opus", samplerate: 48_000, channelConfig: "1",
                               timescale: 1_000_000, priority: 1, extradata: "T3B1c0hlYWQBATgBgLsAAAAAAA=="),
        ])
        return [
            ("catalog-two-tracks", full.encoded()),
            ("catalog-video-audio", audio.encoded()),
            ("catalog-minimal", MediaCatalog(tracks: [MediaCatalog.Track(name: "v")]).encoded()),
            ("catalog-bad-version", Array(#"{"version":2,"tracks":[]}"#.utf8)),
        ]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzCatalog.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-catalog", harness: FuzzCatalog.run, seeds: FuzzCatalog.seeds) }
}
#endif
