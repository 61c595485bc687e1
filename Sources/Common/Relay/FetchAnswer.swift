/// What the cache can serve for a `FetchSpan`.
public struct FetchAnswer: Hashable, Sendable {
    /// The cached objects in the span, groups in the requested order and objects ascending
    /// within a group (status objects included).
    public var objects: [RelayObject]
    /// The parts of the span the cache does not hold, in ascending order: forward these upstream.
    /// Empty when the span is fully held.
    public var missing: [FetchSpan]

    /// An answer.
    public init(objects: [RelayObject], missing: [FetchSpan]) {
        self.objects = objects
        self.missing = missing
    }

    /// True when the cache holds everything in the span, so nothing needs to go upstream.
    public var isFullyHeld: Bool { missing.isEmpty }
}
