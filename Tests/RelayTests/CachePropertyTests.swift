import MoQT
import XCTest
@testable import Relay
import TestSupport

/// The cache's "what is missing" answer against a brute-force model over a small track.
final class CachePropertyTests: XCTestCase {
    func testMissingSpansMatchABruteForceModel() {
        for seed in UInt64(0)..<200 {
            var rng = SeededGenerator(seed: seed)
            var cache = TrackCache(configuration: .init(cacheSeconds: 1e9, cacheBytes: Int.max))
            var held = Set<Location>()
            var lastKnown: [UInt64: UInt64] = [:]
            for g in UInt64(0)..<6 where rng.next() % 5 != 0 {
                let end = rng.next() % 3 == 0 ? 2 + rng.next() % 7 : nil  // end-of-group marker ID
                for o in UInt64(0)..<(end ?? 8) where rng.next() % 4 != 0 {
                    cache.insert(obj(g, o, sg: o % 2), now: .zero)
                    held.insert(Location(group: g, object: o))
                }
                if let e = end {
                    cache.insert(obj(g, e, sg: 0, status: .endOfGroup), now: .zero)
                    held.insert(Location(group: g, object: e))
                    lastKnown[g] = e
                } else if rng.next() % 3 == 0, let largest = held.filter({ $0.group == g }).map(\.object).max() {
                    cache.markGroupComplete(g)
                    lastKnown[g] = largest
                }
            }
            for _ in 0..<20 {
                let start = Location(group: rng.next() % 6, object: rng.next() % 10)
                let endGroup = start.group + rng.next() % 3
                let endObject: UInt64? = rng.next() % 2 == 0 ? nil : rng.next() % 12
                let span = FetchSpan(start: start, endGroup: endGroup, endObject: endObject)
                let missing = cache.missing(in: span)
                let answer = cache.fetch(span)
                for g in UInt64(0)..<9 {
                    for o in UInt64(0)..<14 {
                        let l = Location(group: g, object: o)
                        let beyondEnd = lastKnown[g].map { o > $0 } ?? false
                        let expected = span.contains(l) && !held.contains(l) && !beyondEnd
                        XCTAssertEqual(missing.contains { $0.contains(l) }, expected, "seed \(seed) span \(span) location \(l)")
                        XCTAssertEqual(answer.objects.contains { $0.location == l }, span.contains(l) && held.contains(l), "seed \(seed) \(l)")
                    }
                }
                XCTAssertEqual(cache.holds(span), missing.isEmpty)
                if let last = missing.last, last.endGroup == endGroup, span.endObject == nil, lastKnown[endGroup] == nil {
                    XCTAssertNil(last.endObject, "an end group of unknown end stays open")
                }
            }
        }
    }
}
