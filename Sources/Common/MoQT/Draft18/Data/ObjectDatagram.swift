import Wire

extension Draft18 {
    /// OBJECT_DATAGRAM (§11.3.1): one object in one QUIC datagram. Its type is a bit field of the
    /// form 0b00X0XXXX: PROPERTIES 0x01, END_OF_GROUP 0x02, ZERO_OBJECT_ID 0x04,
    /// DEFAULT_PRIORITY 0x08, STATUS 0x20 (STATUS with END_OF_GROUP is invalid).
    public struct ObjectDatagram: Hashable, Sendable {
        /// What follows the header.
        public enum Content: Hashable, Sendable {
            /// An object payload (the rest of the datagram).
            case payload([UInt8])
            /// An object status instead of a payload.
            case status(ObjectStatus)
        }

        /// The track alias.
        public var trackAlias: UInt64
        /// The group ID.
        public var groupID: UInt64
        /// The object ID (sent as ZERO_OBJECT_ID when 0).
        public var objectID: UInt64
        /// The publisher priority; nil sets DEFAULT_PRIORITY.
        public var publisherPriority: UInt8?
        /// No later object exists in the group (END_OF_GROUP; payload datagrams only).
        public var endOfGroup: Bool
        /// Object Properties (sent only when non-empty).
        public var properties: ObjectProperties
        /// Payload or status.
        public var content: Content

        /// An object datagram.
        public init(trackAlias: UInt64, groupID: UInt64, objectID: UInt64, publisherPriority: UInt8?,
                    endOfGroup: Bool = false, properties: ObjectProperties = [], content: Content) {
            self.trackAlias = trackAlias
            self.groupID = groupID
            self.objectID = objectID
            self.publisherPriority = publisherPriority
            self.endOfGroup = endOfGroup
            self.properties = properties
            self.content = content
        }

        /// The datagram type this object is sent with.
        public var datagramType: UInt64 {
            var t: UInt64 = 0
            if !properties.isEmpty { t |= 0x01 }
            if endOfGroup { t |= 0x02 }
            if objectID == 0 { t |= 0x04 }
            if publisherPriority == nil { t |= 0x08 }
            if case .status = content { t |= 0x20 }
            return t
        }

        /// True when `type` is a valid OBJECT_DATAGRAM type.
        public static func isValidType(_ type: UInt64) -> Bool {
            type <= 0x2f && type & 0xd0 == 0 && !(type & 0x20 != 0 && type & 0x02 != 0)
        }

        /// Where the Track Alias field sits in an encoded OBJECT_DATAGRAM, or nil if the bytes
        /// are too short or of another datagram type.
        public static func trackAliasRange(in bytes: [UInt8]) -> Range<Int>? {
            var r = ByteReader(bytes)
            guard let type = try? r.readVI64(), isValidType(type) else { return nil }
            let start = r.offset
            guard (try? r.readVI64()) != nil else { return nil }
            return start..<r.offset
        }

        /// The encoded datagram. A status datagram cannot be END_OF_GROUP, and only a normal
        /// status may carry properties. `trackAliasLength` forces the alias's vi64 length (1...9).
        public func encoded(trackAliasLength: Int? = nil) -> [UInt8] {
            if case .status(let s) = content {
                precondition(!endOfGroup, "a status datagram cannot signal end of group")
                precondition(s == .normal || properties.isEmpty, "only normal objects have properties")
            }
            var w = ByteWriter()
            w.writeVI64(datagramType)
            w.writeVI64(trackAlias, length: trackAliasLength)
            w.writeVI64(groupID)
            if objectID != 0 { w.writeVI64(objectID) }
            if let p = publisherPriority { w.writeUInt8(p) }
            if !properties.isEmpty { properties.encode(into: &w) }
            switch content {
            case .status(let s): w.writeVI64(s.rawValue)
            case .payload(let p): w.writeBytes(p)
            }
            return w.bytes
        }

        /// Parses a whole OBJECT_DATAGRAM (type included). Every failure is a `MoQTError`
        /// (a datagram cannot be incomplete): invalid types, an empty properties block with the
        /// PROPERTIES bit, an unknown status, or properties with a non-normal status are
        /// PROTOCOL_VIOLATION.
        public static func decode(_ bytes: [UInt8]) throws -> ObjectDatagram {
            var r = ByteReader(bytes)
            do {
                let type = try r.readVI64()
                guard isValidType(type) else {
                    throw MoQTError.protocolViolation("invalid OBJECT_DATAGRAM type 0x\(String(type, radix: 16))")
                }
                let alias = try r.readVI64()
                let group = try r.readVI64()
                let object = type & 0x04 != 0 ? 0 : try r.readVI64()
                let priority: UInt8? = type & 0x08 != 0 ? nil : try r.readUInt8()
                var props = ObjectProperties()
                if type & 0x01 != 0 {
                    props = try ObjectProperties.decode(from: &r)
                    guard !props.isEmpty else { throw MoQTError.protocolViolation("PROPERTIES bit with an empty properties block") }
                }
                let content: Content
                if type & 0x20 != 0 {
                    let raw = try r.readVI64()
                    guard let s = ObjectStatus(rawValue: raw) else { throw MoQTError.protocolViolation("unknown object status \(raw)") }
                    if s != .normal && !props.isEmpty { throw MoQTError.protocolViolation("properties on a non-normal object") }
                    try Draft18.expectEnd(r, "status datagram")
                    content = .status(s)
                } else {
                    content = .payload(r.readRest())
                }
                return ObjectDatagram(trackAlias: alias, groupID: group, objectID: object, publisherPriority: priority,
                                      endOfGroup: type & 0x02 != 0, properties: props, content: content)
            } catch {
                throw MoQTError.bounded(error, "OBJECT_DATAGRAM")
            }
        }
    }
}
