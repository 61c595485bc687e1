import XCTest
import TestSupport
import Foundation
import Media
@testable import MoQMedia

final class MediaCatalogTests: XCTestCase {
    func testCatalogOfAClipRoundTripsAndRestoresTheTrack() throws {
        let source = try MediaObjectSource(path: try TestMedia.clip("test.mp4"))
        let catalog = source.catalog(trackName: "video")
        let bytes = catalog.encoded()
        XCTAssertEqual(try MediaCatalog.decode(bytes), catalog)
        XCTAssertEqual(bytes, catalog.encoded(), "deterministic encoding")

        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        XCTAssertEqual(json["version"] as? Int, 1)
        let track = try XCTUnwrap((json["tracks"] as? [[String: Any]])?.first)
        XCTAssertEqual(track["name"] as? String, "video")
        XCTAssertEqual(track["packaging"] as? String, "loc")
        XCTAssertEqual(track["isLive"] as? Bool, true)
        XCTAssertEqual(track["codec"] as? String, source.track.codecString)
        XCTAssertEqual(track["width"] as? Int, 640)
        XCTAssertEqual(track["height"] as? Int, 360)
        XCTAssertEqual(track["framerate"] as? Double, 30)
        XCTAssertEqual(track["timescale"] as? Int, 1_000_000)
        XCTAssertEqual(track["x-moqfr-extradata"] as? String, Data(source.track.extradata).base64EncodedString())

        let info = try MediaCatalog.decode(bytes).videoTrackInfo(named: "video")
        XCTAssertEqual(info.codec, .h264)
        XCTAssertEqual(info.codecString, source.track.codecString)
        XCTAssertEqual(info.width, 640)
        XCTAssertEqual(info.height, 360)
        XCTAssertEqual(info.frameRate, MediaRational(30, 1))
        XCTAssertEqual(info.extradata, source.track.extradata)
    }

    func testHEVCCatalog() throws {
        let source = try MediaObjectSource(path: try TestMedia.clip("test-hevc.mp4"))
        let info = try MediaCatalog.decode(source.catalog(trackName: "v").encoded()).videoTrackInfo(named: "v")
        XCTAssertEqual(info.codec, .hevc)
        XCTAssertEqual(info.extradata, source.track.extradata)
    }

    func testFrameRates() {
        XCTAssertEqual(MediaCatalog.rational(30), MediaRational(30, 1))
        XCTAssertEqual(MediaCatalog.rational(30000.0 / 1001), MediaRational(30000, 1001))
        XCTAssertEqual(MediaCatalog.rational(12.5), MediaRational(12500, 1000))
        XCTAssertEqual(MediaCatalog.rational(0), MediaRational(0, 0))
        XCTAssertEqual(MediaCatalog.rational(.nan), MediaRational(0, 0))
    }

    func testBadCatalogsAreRejected() throws {
        func decode(_ text: String) throws -> MediaCatalog { try MediaCatalog.decode(Array(text.utf8)) }
        XCTAssertThrowsError(try decode("not json")) {
            guard case .invalidJSON? = $0 as? CatalogError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try decode(#"{"version":1}"#)) { XCTAssertEqual($0 as? CatalogError, .invalidJSON("missing 'tracks'")) }
        XCTAssertThrowsError(try decode(#"{"version":"1","tracks":[]}"#)) {
            guard case .invalidJSON? = $0 as? CatalogError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try decode(#"{"version":2,"tracks":[]}"#)) { XCTAssertEqual($0 as? CatalogError, .unsupportedVersion(2)) }

        let good = #"{"name":"video","packaging":"loc","isLive":true,"codec":"avc1.64001f","width":640,"height":360}"#
        func info(_ track: String, name: String = "video") throws -> VideoTrackInfo {
            try decode(#"{"version":1,"tracks":["# + track + "]}").videoTrackInfo(named: name)
        }
        XCTAssertEqual(try info(good).codec, .h264)
        XCTAssertEqual(try info(good).extradata, [])
        XCTAssertThrowsError(try info(good, name: "audio")) { XCTAssertEqual($0 as? CatalogError, .trackNotFound("audio")) }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: "\"loc\"", with: "\"cmaf\""))) {
            XCTAssertEqual($0 as? CatalogError, .unsupportedPackaging("cmaf"))
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: "avc1.64001f", with: "vp09.00.10.08"))) {
            XCTAssertEqual($0 as? CatalogError, .unsupportedCodec("vp09.00.10.08"))
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: #""codec":"avc1.64001f","#, with: ""))) {
            XCTAssertEqual($0 as? CatalogError, .missingField("codec"))
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: #""width":640"#, with: #""width":0"#))) {
            XCTAssertEqual($0 as? CatalogError, .missingField("width"))
        }
        XCTAssertThrowsError(try info(good.replacingOccurrences(of: "}", with: #","x-moqfr-extradata":"!!"}"#))) {
            XCTAssertEqual($0 as? CatalogError, .invalidExtradata)
        }
    }
}
