import Wire

extension Draft18 {
    /// SUBGROUP_HEADER (§11.4.2): the start of a subgroup stream. Its type is a bit field of the
    /// form 0b0XX1XXXX: PROPERTIES 0x01, SUBGROUP_ID_MODE 0x06, END_OF_GROUP 0x08,
    /// DEFAULT_PRIORITY 0x20 (no priority byte), FIRST_OBJECT 0x40.
    public struct SubgroupHeader: Hashable, Sendable {
        /// How the subgroup ID is conveyed (SUBGROUP_ID_MODE).
        public enum SubgroupID: Hashable, Sendable {
            /// Mode 0b00: absent, the ID is 0.
            case zero
            /// Mode 0b01: absent, the ID is the first object's ID.
            case firstObjectID
            /// Mode 0b10: present in the header.
            case explicit(UInt64)
        }

        /// The track alias from SUBSCRIBE_OK or PUBLISH.
        public var trackAlias: UInt64
        /// The group ID.
        public var groupID: UInt64
        /// The subgroup ID and its encoding.
        public var subgroupID: SubgroupID
        /// The publisher priority; nil sets DEFAULT_PRIORITY (inherit the subscription's).
        public var publisherPriority: UInt8?
        /// Every object on the stream carries a properties block.
        public var hasProperties: Bool
        /// This subgroup holds the group's largest object (END_OF_GROUP).
        public var endOfGroup: Bool
        /// The stream starts at the first object ever published in the subgroup (FIRST_OBJECT).
        public var firstObject: Bool

        /// A subgroup header.
        public init(trackAlias: UInt64, groupID: UInt64, subgroupID: SubgroupID, publisherPriority: UInt8?,
                    hasProperties: Bool = false, endOfGroup: Bool = false, firstObject: Bool = false) {
            self.trackAlias = trackAlias
            self.groupID = groupID
            self.subgroupID = subgroupID
            self.publisherPriority = publisherPriority
            self.hasProperties = hasProperties
            self.endOfGroup = endOfGroup
            self.firstObject = firstObject
        }

        /// The stream type this header is sent with.
        public var streamType: UInt64 {
            var t: UInt64 = 0x10
            if hasProperties { t |= 0x01 }
            switch subgroupID {
            case .zero: break
            case .firstObjectID: t |= 0x02
            case .explicit: t |= 0x04
            }
            if endOfGroup { t |= 0x08 }
            if publisherPriority == nil { t |= 0x20 }
            if firstObject { t |= 0x40 }
            return t
        }

        /// True when `type` is a valid SUBGROUP_HEADER type (0b0XX1XXXX, mode not 0b11).
        public static func isValidType(_ type: UInt64) -> Bool {
            type <= 0x7f && type & 0x10 != 0 && type & 0x06 != 0x06
        }

        /// True when `type` has the subgroup form (0b0XX1XXXX), valid or reserved.
        public static func hasSubgroupForm(_ type: UInt64) -> Bool { type <= 0x7f && type & 0x10 != 0 }

        /// The subgroup ID once the first object ID is known.
        public func resolvedSubgroupID(firstObjectID: UInt64) -> UInt64 {
            switch subgroupID {
            case .zero: return 0
            case .firstObjectID: return firstObjectID
            case .explicit(let id): return id
            }
        }

        /// Appends the header (type included). `trackAliasLength` forces the alias's vi64 length
        /// (1...9) so the field can later be rewritten in place, e.g. by a forwarding fast path.
        public func encode(into w: inout ByteWriter, trackAliasLength: Int? = nil) {
            w.writeVI64(streamType)
            w.writeVI64(trackAlias, length: trackAliasLength)
            w.writeVI64(groupID)
            if case .explicit(let id) = subgroupID { w.writeVI64(id) }
            if let p = publisherPriority { w.writeUInt8(p) }
        }

        /// The encoded header.
        public func encoded() -> [UInt8] {
            var w = ByteWriter()
            encode(into: &w)
            return w.bytes
        }

        /// Where the Track Alias field sits in bytes that begin with a SUBGROUP_HEADER, or nil if
        /// the bytes are too short or not a subgroup header. Rewriting the alias in place needs a
        /// value that fits the same vi64 length (`ByteWriter.writeVI64(_:length:)`).
        public static func trackAliasRange(in bytes: [UInt8]) -> Range<Int>? {
            var r = ByteReader(bytes)
            guard let type = try? r.readVI64(), isValidType(type) else { return nil }
            let start = r.offset
            guard (try? r.readVI64()) != nil else { return nil }
            return start..<r.offset
        }

        /// Reads a header (type included). Throws `DecodeError.needMoreData` without moving when
        /// incomplete; an invalid type is PROTOCOL_VIOLATION.
        public static func decode(from r: inout ByteReader) throws -> SubgroupHeader {
            var c = r
            let type = try c.readVI64()
            guard isValidType(type) else {
                throw MoQTError.protocolViolation("invalid SUBGROUP_HEADER type 0x\(String(type, radix: 16))")
            }
            let alias = try c.readVI64()
            let group = try c.readVI64()
            let sub: SubgroupID
            switch (type & 0x06) >> 1 {
            case 0: sub = .zero
            case 1: sub = .firstObjectID
            default: sub = .explicit(try c.readVI64())
            }
            let priority: UInt8? = type & 0x20 != 0 ? nil : try c.readUInt8()
            r = c
            return SubgroupHeader(trackAlias: alias, groupID: group, subgroupID: sub, publisherPriority: priority,
                                  hasProperties: type & 0x01 != 0, endOfGroup: type & 0x08 != 0, firstObject: type & 0x40 != 0)
        }
    }
}
