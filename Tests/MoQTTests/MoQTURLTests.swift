import XCTest
@testable import MoQT

final class MoQTURLTests: XCTestCase {
    func testParsing() throws {
        let u = try XCTUnwrap(MoQTURL(string: "moqt://127.0.0.1:4443"))
        XCTAssertEqual(u.host, "127.0.0.1")
        XCTAssertEqual(u.port, 4443)
        XCTAssertEqual(u.path, "")
        XCTAssertEqual(u.setupPath, "")
        XCTAssertEqual(u.authority, "127.0.0.1:4443")

        let v = try XCTUnwrap(MoQTURL(string: "moqt://relay.example.com/live/room?token=abc#catalog:x"))
        XCTAssertEqual(v.host, "relay.example.com")
        XCTAssertEqual(v.port, 443)
        XCTAssertEqual(v.path, "/live/room")
        XCTAssertEqual(v.query, "token=abc")
        XCTAssertEqual(v.fragment, "catalog:x")
        XCTAssertEqual(v.setupPath, "/live/room?token=abc")
        XCTAssertEqual(v.setupOptions(implementation: "x"), SetupOptions(path: "/live/room?token=abc", authority: "relay.example.com", implementation: "x"))
        XCTAssertEqual(v.description, "moqt://relay.example.com/live/room?token=abc#catalog:x")

        let w = try XCTUnwrap(MoQTURL(string: "moqt://user@[::1]:8443/p"))
        XCTAssertEqual(w.host, "::1")
        XCTAssertEqual(w.port, 8443)
        XCTAssertEqual(w.authority, "user@[::1]:8443")

        for bad in ["https://x", "moqt://", "moqt://:4443", "moqt://h:99999", "moqt://h:x", "moqt://[::1", "moqt://[::1]x"] {
            XCTAssertNil(MoQTURL(string: bad), bad)
        }
    }
}
