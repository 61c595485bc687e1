import XCTest
@testable import QUIC

final class QUICSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertFalse(String(describing: EncryptionLevel.self).isEmpty) }
}
