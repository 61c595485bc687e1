/// Why the properties or payload of a LOC object were rejected.
public enum LOCError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The bytes end before the declared properties block does.
    case truncated
    /// The properties block is not a valid Key-Value-Pair list (MoQT's reason).
    case malformedProperties(String)
    /// A required property is absent (its type).
    case missingProperty(UInt64)
    /// A property this project defines appears more than once (its type).
    case duplicateProperty(UInt64)
    /// The frame-info value has an unknown class or reserved bits set (the value).
    case invalidFrameInfo(UInt64)
    /// A keyframe that is not an I frame.
    case keyframeNotIntra
    /// A keyframe that claims to depend on an earlier object.
    case keyframeWithDependency
    /// The presentation timestamp precedes the decode timestamp.
    case presentationBeforeDecode
    /// The object carries no frame.
    case emptyPayload

    public var description: String {
        switch self {
        case .truncated: return "LOC object truncated"
        case .malformedProperties(let why): return "malformed LOC properties: \(why)"
        case .missingProperty(let type): return "LOC property 0x\(String(type, radix: 16)) missing"
        case .duplicateProperty(let type): return "LOC property 0x\(String(type, radix: 16)) repeated"
        case .invalidFrameInfo(let value): return "invalid LOC frame info \(value)"
        case .keyframeNotIntra: return "LOC keyframe is not an I frame"
        case .keyframeWithDependency: return "LOC keyframe depends on an earlier object"
        case .presentationBeforeDecode: return "LOC presentation timestamp precedes decode timestamp"
        case .emptyPayload: return "LOC object has an empty payload"
        }
    }
}
