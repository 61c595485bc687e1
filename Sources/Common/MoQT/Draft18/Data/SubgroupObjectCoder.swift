import Wire

extension Draft18 {
    /// Encodes or decodes the objects following one SUBGROUP_HEADER, carrying the previous
    /// object ID that Object ID Delta is relative to. Use one instance per stream and direction.
    public struct SubgroupObjectCoder: Hashable, Sendable {
        /// Whether objects carry a properties block (the header's PROPERTIES bit).
        public let hasProperties: Bool
        /// The last object ID written or read, nil before the first.
        public private(set) var previousObjectID: UInt64?

        /// A coder for a stream opened with `header`.
        public init(header: SubgroupHeader) {
            self.hasProperties = header.hasProperties
        }

        /// Appends `object`. Object IDs must increase along the stream, properties need the
        /// PROPERTIES bit, and only normal objects may have properties or a payload.
        public mutating func encode(_ object: SubgroupObject, into w: inout ByteWriter) {
            if let prev = previousObjectID {
                precondition(object.objectID > prev, "subgroup object IDs must increase")
                w.writeVI64(object.objectID - prev - 1)
            } else {
                w.writeVI64(object.objectID)
            }
            precondition(hasProperties || object.properties.isEmpty, "properties need a header with the PROPERTIES bit")
            precondition(object.status == .normal || (object.payload.isEmpty && object.properties.isEmpty),
                         "status objects have no payload or properties")
            if hasProperties { object.properties.encode(into: &w) }
            w.writeVI64(UInt64(object.payload.count))
            if object.payload.isEmpty {
                w.writeVI64(object.status.rawValue)
            } else {
                w.writeBytes(object.payload)
            }
            previousObjectID = object.objectID
        }

        /// Reads one object. Throws `DecodeError.needMoreData` without moving (or changing state)
        /// until the whole object, payload included, is there. An object ID past 2^64 - 1, an
        /// unknown status, or properties on a non-normal object are PROTOCOL_VIOLATION. A payload
        /// longer than `maxPayload` throws `ObjectTooLarge` as soon as the header is there.
        public mutating func decode(from r: inout ByteReader, maxPayload: UInt64 = .max) throws -> SubgroupObject {
            var c = r
            var copy = self
            let head = try copy.decodeHeader(from: &c)
            if head.payloadLength > maxPayload { throw ObjectTooLarge(objectID: head.objectID, payloadLength: head.payloadLength) }
            guard head.payloadLength <= UInt64(c.remaining) else { throw DecodeError.needMoreData }
            let payload = try c.readBytes(Int(head.payloadLength))
            self = copy
            r = c
            return head.status == .normal ? SubgroupObject(objectID: head.objectID, properties: head.properties, payload: payload)
                                          : SubgroupObject(objectID: head.objectID, status: head.status)
        }

        /// Reads an object's fields up to (not including) its payload, for callers that stream
        /// payload bytes on as they arrive. Same errors as `decode`; needMoreData leaves `r` and
        /// the coder unchanged.
        public mutating func decodeHeader(from r: inout ByteReader) throws -> SubgroupObjectHeader {
            var c = r
            let delta = try c.readVI64()
            let id: UInt64
            if let prev = previousObjectID {
                let (a, o1) = prev.addingReportingOverflow(delta)
                let (b, o2) = a.addingReportingOverflow(1)
                if o1 || o2 { throw MoQTError.protocolViolation("object ID overflows 2^64-1") }
                id = b
            } else {
                id = delta
            }
            let props = hasProperties ? try ObjectProperties.decode(from: &c) : ObjectProperties()
            let length = try c.readVI64()
            var status = ObjectStatus.normal
            if length == 0 {
                let raw = try c.readVI64()
                guard let s = ObjectStatus(rawValue: raw) else { throw MoQTError.protocolViolation("unknown object status \(raw)") }
                if s != .normal && !props.isEmpty {
                    throw MoQTError.protocolViolation("properties on an object with status \(s)")
                }
                status = s
            }
            previousObjectID = id
            r = c
            return SubgroupObjectHeader(objectID: id, properties: props, status: status, payloadLength: length)
        }
    }
}
