import XCTest
@testable import Media

final class VideoFrameClassTests: XCTestCase {
    /// The class names are what dry runs and reports print.
    func testRawValues() {
        XCTAssertEqual(VideoFrameClass.allCases.map(\.rawValue), ["I", "P", "B"])
    }
}
