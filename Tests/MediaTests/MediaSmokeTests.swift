import XCTest
@testable import Media

final class MediaSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertFalse(MediaModule.name.isEmpty) }
}
