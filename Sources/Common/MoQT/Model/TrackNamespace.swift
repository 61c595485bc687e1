/// A Track Namespace: an ordered tuple of 0...32 non-empty byte fields (draft-18 §2.4.1).
///
/// Fields are opaque bytes compared exactly; the `String` conveniences use UTF-8.
public struct TrackNamespace: Hashable, Sendable, CustomStringConvertible, ExpressibleByArrayLiteral {
    /// The most fields a namespace may have.
    public static let maxFields = 32
    /// The largest total length of a namespace's fields (and of a full track name), in bytes.
    public static let maxLength = 4096

    /// The fields, outermost first.
    public var fields: [[UInt8]]

    /// A namespace from raw fields.
    public init(_ fields: [[UInt8]]) { self.fields = fields }
    /// A namespace from UTF-8 strings, e.g. `TrackNamespace(strings: ["demo"])`.
    public init(strings: [String]) { self.fields = strings.map { Array($0.utf8) } }
    /// A namespace from string literals.
    public init(arrayLiteral elements: String...) { self.init(strings: elements) }

    /// The sum of the field lengths.
    public var byteLength: Int { fields.reduce(0) { $0 + $1.count } }
    /// True when `prefix`'s fields are the first fields of this namespace.
    public func hasPrefix(_ prefix: TrackNamespace) -> Bool {
        prefix.fields.count <= fields.count && Array(fields.prefix(prefix.fields.count)) == prefix.fields
    }
    /// This namespace without the first `prefix.fields.count` fields (a NAMESPACE suffix).
    public func suffix(after prefix: TrackNamespace) -> TrackNamespace? {
        hasPrefix(prefix) ? TrackNamespace(Array(fields.dropFirst(prefix.fields.count))) : nil
    }
    /// `prefix` followed by this namespace's fields.
    public func prepending(_ prefix: TrackNamespace) -> TrackNamespace { TrackNamespace(prefix.fields + fields) }

    /// The draft's recommended safe rendering (§1.5): fields joined by `-`, bytes outside
    /// `[A-Za-z0-9_]` as `.xx`.
    public var description: String { fields.map(TrackNamespace.render).joined(separator: "-") }

    /// Renders one byte string in the §1.5 safe form.
    public static func render(_ bytes: [UInt8]) -> String {
        var s = ""
        for b in bytes {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
                s.unicodeScalars.append(Unicode.Scalar(b))
            default:
                let hex = String(b, radix: 16)
                s += "." + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return s
    }
}
