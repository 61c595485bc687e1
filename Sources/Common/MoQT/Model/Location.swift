/// A position in a track: group ID and object ID (draft-18 §1.4.2), ordered group first.
public struct Location: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The group ID.
    public var group: UInt64
    /// The object ID within the group.
    public var object: UInt64

    /// A location `{group, object}`.
    public init(group: UInt64, object: UInt64) {
        self.group = group
        self.object = object
    }

    /// `{0, 0}`.
    public static let zero = Location(group: 0, object: 0)

    /// Group first, then object.
    public static func < (a: Location, b: Location) -> Bool {
        a.group < b.group || (a.group == b.group && a.object < b.object)
    }

    /// `{group, object}`.
    public var description: String { "{\(group), \(object)}" }
}
