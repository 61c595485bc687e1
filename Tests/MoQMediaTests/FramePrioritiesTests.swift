import XCTest
import Media
@testable import MoQMedia

final class FramePrioritiesTests: XCTestCase {
    /// I frames are the most important (lowest value), then P, then B.
    func testDefaultOrder() {
        let p = FramePriorities.default
        XCTAssertLessThan(p.priority(for: .i), p.priority(for: .p))
        XCTAssertLessThan(p.priority(for: .p), p.priority(for: .b))
        XCTAssertTrue(p.isOrdered)
        XCTAssertFalse(FramePriorities(i: 5, p: 2, b: 3).isOrdered)
    }
}
