import XCTest
@testable import MoQT

final class MoQTSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertFalse(MoQTModule.name.isEmpty) }
}
