import MoQT
import XCTest
@testable import Relay

final class AliasAllocatorTests: XCTestCase {
    private let video = FullTrackName(namespace: ["demo"], name: "video")
    private let audio = FullTrackName(namespace: ["demo"], name: "audio")
    private let catalog = FullTrackName(namespace: ["demo"], name: "catalog")

    func testUpstreamAliasWhenFreeFreshOnCollisionReuseAfterRelease() {
        var session = AliasAllocator()
        XCTAssertEqual(session.allocate(track: video, upstream: 5), 5, "same as upstream: headers forward unchanged")
        XCTAssertEqual(session.allocate(track: audio, upstream: 5), 0, "5 is taken: the smallest free alias")
        XCTAssertEqual(session.allocate(track: catalog, upstream: 0), 1, "0 is taken now")
        XCTAssertEqual(session.track(for: 5), video)
        XCTAssertEqual(session.alias(for: audio), 0)
        XCTAssertEqual(session.count, 3)

        XCTAssertEqual(session.release(track: video), 5)
        XCTAssertNil(session.track(for: 5))
        XCTAssertEqual(session.allocate(track: catalog, upstream: 9), 1, "a track keeps its alias while in use")
        XCTAssertEqual(session.allocate(track: video, upstream: 5), 5, "free again after release")
    }

    func testSharedAliasIsFreedByTheLastRelease() {
        var session = AliasAllocator()
        XCTAssertEqual(session.allocate(track: video, upstream: 3), 3)
        XCTAssertEqual(session.allocate(track: video, upstream: 3), 3)
        XCTAssertNil(session.release(track: video), "one use remains")
        XCTAssertEqual(session.alias(for: video), 3)
        XCTAssertEqual(session.release(track: video), 3)
        XCTAssertNil(session.release(track: video))
        XCTAssertEqual(session.allocate(track: audio, upstream: 3), 3)
    }

    func testSessionsAreIndependentAndFreshAliasesFitInPlace() {
        var a = AliasAllocator(), b = AliasAllocator()
        XCTAssertEqual(a.allocate(track: audio, upstream: 1000), 1000)
        XCTAssertEqual(b.allocate(track: video, upstream: 1000), 1000)
        XCTAssertEqual(b.allocate(track: audio, upstream: 1000), 0)
        // A fresh alias never needs a longer encoding than the upstream one.
        var c = AliasAllocator()
        for i in 0..<200 {
            let track = FullTrackName(namespace: ["n"], name: "t\(i)")
            let alias = c.allocate(track: track, upstream: 64)
            XCTAssertLessThanOrEqual(VI64.encodedLength(alias), max(VI64.encodedLength(64), VI64.encodedLength(UInt64(i))))
        }
        XCTAssertNil(c.alias(for: video))
        XCTAssertEqual(c.allocate(track: video, upstream: nil), 200)
    }
}
