import MoQT

/// A contiguous range of a track, inclusive at both ends: from `start` through object `endObject`
/// of group `endGroup`, or through the end of that group when `endObject` is nil.
///
/// FETCH names its end exclusively on the wire (draft-18 §10.12: End Location is the last object
/// plus one, and object 0 means "the whole end group"); `init(start:wireEnd:)` converts.
public struct FetchSpan: Hashable, Sendable, CustomStringConvertible {
    /// The first location.
    public var start: Location
    /// The last group.
    public var endGroup: UInt64
    /// The last object of `endGroup`, inclusive; nil for the whole group.
    public var endObject: UInt64?

    /// A span from `start` through `endGroup`/`endObject` (nil: through the end of `endGroup`).
    public init(start: Location, endGroup: UInt64, endObject: UInt64?) {
        self.start = start
        self.endGroup = endGroup
        self.endObject = endObject
    }

    /// The span of a standalone FETCH's Start and End Locations as the wire gives them.
    public init(start: Location, wireEnd: Location) {
        self.start = start
        if wireEnd.object == 0 {
            endGroup = wireEnd.group
            endObject = nil
        } else {
            endGroup = wireEnd.group
            endObject = wireEnd.object - 1
        }
    }

    /// A relative joining FETCH: `groupsBack` groups before the subscription's Largest Location
    /// through that location (start `{largest.group - groupsBack, 0}`, saturating at group 0).
    public static func relativeJoining(groupsBack: UInt64, largest: Location) -> FetchSpan {
        let g = largest.group >= groupsBack ? largest.group - groupsBack : 0
        return FetchSpan(start: Location(group: g, object: 0), endGroup: largest.group, endObject: largest.object)
    }

    /// An absolute joining FETCH: from `{startGroup, 0}` through the subscription's Largest Location.
    public static func absoluteJoining(startGroup: UInt64, largest: Location) -> FetchSpan {
        FetchSpan(start: Location(group: startGroup, object: 0), endGroup: largest.group, endObject: largest.object)
    }

    /// True when the span holds no location (its end lies before its start).
    public var isEmpty: Bool {
        if endGroup < start.group { return true }
        if endGroup == start.group, let e = endObject, e < start.object { return true }
        return false
    }

    /// True when `location` lies within the span.
    public func contains(_ location: Location) -> Bool {
        guard location >= start, location.group <= endGroup else { return false }
        if location.group == endGroup, let e = endObject { return location.object <= e }
        return true
    }

    /// `{g, o}...{g, o}` or `{g, o}...{g, end}`.
    public var description: String {
        "\(start)...{\(endGroup), \(endObject.map(String.init) ?? "end")}"
    }
}
