/// A Full Track Name: namespace plus track name (draft-18 §2.4.1), unique within a scope.
public struct FullTrackName: Hashable, Sendable, CustomStringConvertible {
    /// The track's namespace.
    public var namespace: TrackNamespace
    /// The track name: bytes, possibly empty.
    public var name: [UInt8]

    /// A full track name from raw parts.
    public init(namespace: TrackNamespace, name: [UInt8]) {
        self.namespace = namespace
        self.name = name
    }
    /// A full track name from UTF-8 strings.
    public init(namespace: TrackNamespace, name: String) { self.init(namespace: namespace, name: Array(name.utf8)) }

    /// Namespace field lengths plus the name length (at most 4,096 on the wire).
    public var byteLength: Int { namespace.byteLength + name.count }

    /// `namespace--name` in the §1.5 safe form.
    public var description: String { "\(namespace)--\(TrackNamespace.render(name))" }
}
