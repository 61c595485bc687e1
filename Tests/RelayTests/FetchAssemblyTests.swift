import MoQT
import XCTest
@testable import Relay

final class FetchAssemblyTests: XCTestCase {
    func testMergesCacheAndUpstreamInOrderWithoutDuplicates() {
        var cache = TrackCache()
        for o in [obj(1, 0), obj(1, 1), obj(3, 0)] { _ = cache.insert(o, now: .zero) }
        let span = FetchSpan(start: Location(group: 1, object: 0), endGroup: 3, endObject: 0)
        let answer = cache.fetch(span)
        XCTAssertFalse(answer.missing.isEmpty)
        var a = FetchAssembly(span: span, order: .ascending, cached: answer)
        a.expect(7)
        a.expect(9)
        XCTAssertFalse(a.isComplete)
        a.receive(obj(2, 1))
        a.receive(obj(2, 0))
        a.receive(obj(1, 1))      // already cached: ignored
        a.receive(obj(4, 0))      // outside the span: ignored
        XCTAssertFalse(a.ended(7))
        XCTAssertTrue(a.ended(9))
        XCTAssertEqual(a.result.map(\.location), [Location(group: 1, object: 0), Location(group: 1, object: 1),
                                                  Location(group: 2, object: 0), Location(group: 2, object: 1),
                                                  Location(group: 3, object: 0)])
        let descending = FetchAssembly(span: span, order: .descending, cached: answer)
        XCTAssertEqual(descending.result.map(\.group), [3, 1, 1])
    }
}
