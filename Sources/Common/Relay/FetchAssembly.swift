import MoQT

/// One FETCH answered partly from the cache and partly by upstream FETCHes for the spans the
/// cache lacks (sans I/O): collects the upstream objects and yields the whole answer in the
/// requested order once every upstream request has ended.
public struct FetchAssembly: Sendable {
    /// The range asked for.
    public let span: FetchSpan
    /// The requested group order.
    public let order: GroupOrder
    private var objects: [Location: RelayObject] = [:]
    /// Upstream requests still running.
    public private(set) var outstanding: Set<UInt64> = []

    /// An assembly of `answer` (the cache's part) for `span`.
    public init(span: FetchSpan, order: GroupOrder, cached answer: FetchAnswer) {
        self.span = span
        self.order = order
        for o in answer.objects { objects[o.location] = o }
    }

    /// An upstream request for one missing span was sent.
    public mutating func expect(_ requestID: UInt64) { outstanding.insert(requestID) }

    /// An object an upstream FETCH returned (objects outside the span or already held are ignored).
    public mutating func receive(_ object: RelayObject) {
        guard span.contains(object.location), objects[object.location] == nil else { return }
        objects[object.location] = object
    }

    /// An upstream request ended (completed, reset or refused). True when none is left.
    @discardableResult
    public mutating func ended(_ requestID: UInt64) -> Bool {
        outstanding.remove(requestID)
        return outstanding.isEmpty
    }

    /// True when no upstream request is running.
    public var isComplete: Bool { outstanding.isEmpty }

    /// Every object gathered: groups in `order`, objects ascending within a group.
    public var result: [RelayObject] {
        objects.values.sorted { a, b in
            if a.group != b.group { return order == .descending ? a.group > b.group : a.group < b.group }
            return a.objectID < b.objectID
        }
    }
}
