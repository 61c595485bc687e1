import FuzzSupport
import MoQMedia

/// libFuzzer harness for the catalog decoder (`MediaCatalog.decode`, the JSON moq-sub reads from
/// the "catalog" track) and the muxer's view of it (`videoTrackInfo(named:)`).
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
        }
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
        return [
            ("catalog-two-tracks", full.encoded()),
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
