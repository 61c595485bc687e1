import Wire

extension ObjectProperties {
    /// PRIOR_GROUP_ID_GAP: groups before this one known not to exist.
    public var priorGroupIDGap: UInt64? { integer(PropertyType.priorGroupIDGap) }
    /// PRIOR_OBJECT_ID_GAP: objects before this one known not to exist.
    public var priorObjectIDGap: UInt64? { integer(PropertyType.priorObjectIDGap) }

    /// The Key-Value-Pairs inside IMMUTABLE_PROPERTIES (empty if absent). Bytes that do not parse,
    /// or a nested IMMUTABLE_PROPERTIES, make the track malformed (§12.7): reported as
    /// PROTOCOL_VIOLATION here, for the session to turn into MALFORMED_TRACK handling.
    public func immutable() throws -> [KeyValuePair] {
        guard let bytes = bytes(PropertyType.immutableProperties) else { return [] }
        var r = ByteReader(bytes)
        let nested = try KeyValuePair.decodeList(from: &r, byteCount: bytes.count)
        if nested.contains(where: { $0.type == PropertyType.immutableProperties }) {
            throw MoQTError.protocolViolation("IMMUTABLE_PROPERTIES nested in IMMUTABLE_PROPERTIES")
        }
        return nested
    }

    /// True if an object carries a Mandatory Track Property, which makes the track malformed (§2.5.1).
    public var hasMandatoryTrackProperty: Bool { pairs.contains { PropertyType.isMandatoryTrackProperty($0.type) } }
}
