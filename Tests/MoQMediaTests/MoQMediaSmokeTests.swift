import XCTest
@testable import MoQMedia

final class MoQMediaSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertFalse(MoQMediaModule.name.isEmpty) }
}
