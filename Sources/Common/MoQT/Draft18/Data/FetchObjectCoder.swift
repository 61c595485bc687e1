import Wire

extension Draft18 {
    /// Encodes or decodes the items of one fetch stream, carrying the "prior object" state the
    /// Serialization Flags refer to (§11.4.4.1). The encoder always picks the most compact flags.
    ///
    /// Reading of the draft applied here: an End of Range carries absolute Group and Object IDs
    /// (the draft says "the Group ID and Object ID fields are present"); with the Group ID Delta
    /// absent, a present Object ID Delta is added to the prior object ID as written in the draft; a
    /// zero Payload Length is an empty payload and nothing follows it (§11.2.1.1: the Object Status
    /// "is absent in Objects delivered via a FETCH").
    public struct FetchObjectCoder: Hashable, Sendable {
        /// Serialization Flags meaning End of Non-Existent Range.
        public static let endOfNonExistentRange: UInt64 = 0x8C
        /// Serialization Flags meaning End of Unknown Range.
        public static let endOfUnknownRange: UInt64 = 0x10C
        /// Serialization Flags meaning End of Timed-Out Range (draft-22 only; read as an unknown range).
        public static let endOfTimedOutRange: UInt64 = 0x20C
        /// Whether End of Timed-Out Range (draft-22) is a valid flags value.
        public var acceptsTimedOutRange = false

        /// The FETCH's group order (decides the sign of Group ID Delta).
        public let groupOrder: GroupOrder
        private var priorGroup: UInt64?
        private var priorObject: UInt64?
        private var priorSubgroup: UInt64?
        private var priorPriority: UInt8?

        /// A coder for a fetch delivered in `groupOrder`.
        public init(groupOrder: GroupOrder = .ascending) { self.groupOrder = groupOrder }

        // MARK: Encoding

        /// Appends `item`. Groups must follow `groupOrder` and object IDs must not go back within
        /// a group.
        public mutating func encode(_ item: FetchStreamItem, into w: inout ByteWriter) {
            switch item {
            case .endOfRange(let l, let nonExistent):
                w.writeVI64(nonExistent ? Self.endOfNonExistentRange : Self.endOfUnknownRange)
                w.writeVI64(l.group)
                w.writeVI64(l.object)
                priorGroup = l.group
                priorObject = l.object
            case .object(let o):
                var flags: UInt64 = 0
                var fields = ByteWriter()
                // Group.
                var groupPresent = false
                if let pg = priorGroup {
                    if o.location.group != pg {
                        groupPresent = true
                        switch groupOrder {
                        case .ascending:
                            precondition(o.location.group > pg, "ascending fetch groups must increase")
                            fields.writeVI64(o.location.group - pg - 1)
                        case .descending:
                            precondition(o.location.group < pg, "descending fetch groups must decrease")
                            fields.writeVI64(pg - o.location.group - 1)
                        }
                    }
                } else {
                    groupPresent = true
                    fields.writeVI64(o.location.group)
                }
                if groupPresent { flags |= 0x08 }
                // Subgroup.
                switch o.forwarding {
                case .datagram: flags |= 0x40
                case .subgroup(let s):
                    if s == 0 { flags |= 0x00 }
                    else if let ps = priorSubgroup, s == ps { flags |= 0x01 }
                    else if let ps = priorSubgroup, ps < UInt64.max, s == ps + 1 { flags |= 0x02 }
                    else { flags |= 0x03; fields.writeVI64(s) }
                }
                // Object.
                if let po = priorObject, po < UInt64.max, o.location.object == po + 1 {
                    // implied
                } else {
                    flags |= 0x04
                    if groupPresent {
                        fields.writeVI64(o.location.object)
                    } else {
                        let po = priorObject ?? 0
                        precondition(o.location.object >= po, "object IDs must not go back within a fetched group")
                        fields.writeVI64(o.location.object - po)
                    }
                }
                // Priority.
                if priorPriority != o.publisherPriority {
                    flags |= 0x10
                    fields.writeUInt8(o.publisherPriority)
                }
                if !o.properties.isEmpty {
                    flags |= 0x20
                    o.properties.encode(into: &fields)
                }
                w.writeVI64(flags)
                // Collected in wire order: group delta, subgroup, object delta, priority, properties.
                w.writeBytes(fields.bytes)
                precondition(o.status == .normal, "fetch objects carry no status (§11.2.1.1)")
                w.writeVI64(UInt64(o.payload.count))
                w.writeBytes(o.payload)
                priorGroup = o.location.group
                priorObject = o.location.object
                if case .subgroup(let s) = o.forwarding { priorSubgroup = s }
                priorPriority = o.publisherPriority
            }
        }

        // MARK: Decoding

        /// Reads one item. Throws `DecodeError.needMoreData` without moving (or changing state)
        /// until the whole item is there. Unknown flags, references to a missing prior object and
        /// IDs out of range are PROTOCOL_VIOLATION. A payload longer than `maxPayload` throws
        /// `ObjectTooLarge` as soon as the header is there.
        public mutating func decode(from r: inout ByteReader, maxPayload: UInt64 = .max) throws -> FetchStreamItem {
            var c = r
            var copy = self
            let item: FetchStreamItem
            switch try copy.decodeHeader(from: &c) {
            case .endOfRange(let l, let nonExistent):
                item = .endOfRange(l, nonExistent: nonExistent)
            case .object(let h):
                if h.payloadLength > maxPayload { throw ObjectTooLarge(objectID: h.location.object, payloadLength: h.payloadLength) }
                guard h.payloadLength <= UInt64(c.remaining) else { throw DecodeError.needMoreData }
                let payload = try c.readBytes(Int(h.payloadLength))
                item = .object(FetchObject(location: h.location, forwarding: h.forwarding, publisherPriority: h.publisherPriority,
                                           properties: h.properties, payload: payload, status: h.status))
            }
            self = copy
            r = c
            return item
        }

        /// Reads an item up to (not including) an object's payload, for callers that stream
        /// payload bytes on as they arrive. Same errors as `decode`.
        public mutating func decodeHeader(from r: inout ByteReader) throws -> FetchItemHeader {
            var c = r
            let flags = try c.readVI64()
            if flags == Self.endOfNonExistentRange || flags == Self.endOfUnknownRange || (acceptsTimedOutRange && flags == Self.endOfTimedOutRange) {
                let l = Location(group: try c.readVI64(), object: try c.readVI64())
                priorGroup = l.group
                priorObject = l.object
                r = c
                return .endOfRange(l, nonExistent: flags == Self.endOfNonExistentRange)
            }
            guard flags < 0x80 else { throw MoQTError.protocolViolation("invalid fetch serialization flags 0x\(String(flags, radix: 16))") }
            // Group.
            let group: UInt64
            if flags & 0x08 != 0 {
                let delta = try c.readVI64()
                if let pg = priorGroup {
                    let step = delta.addingReportingOverflow(1)
                    switch groupOrder {
                    case .ascending:
                        let g = pg.addingReportingOverflow(step.partialValue)
                        if step.overflow || g.overflow { throw MoQTError.protocolViolation("fetch group ID overflows 2^64-1") }
                        group = g.partialValue
                    case .descending:
                        let g = pg.subtractingReportingOverflow(step.partialValue)
                        if step.overflow || g.overflow { throw MoQTError.protocolViolation("fetch group ID below 0") }
                        group = g.partialValue
                    }
                } else {
                    group = delta
                }
            } else {
                guard let pg = priorGroup else { throw MoQTError.protocolViolation("first fetch object without Group ID") }
                group = pg
            }
            // Subgroup.
            let forwarding: ObjectForwardingPreference
            if flags & 0x40 != 0 {
                forwarding = .datagram
            } else {
                switch flags & 0x03 {
                case 0x00: forwarding = .subgroup(0)
                case 0x01:
                    guard let ps = priorSubgroup else { throw MoQTError.protocolViolation("fetch object refers to a missing prior subgroup") }
                    forwarding = .subgroup(ps)
                case 0x02:
                    guard let ps = priorSubgroup, ps < UInt64.max else {
                        throw MoQTError.protocolViolation("fetch object refers to a missing prior subgroup")
                    }
                    forwarding = .subgroup(ps + 1)
                default: forwarding = .subgroup(try c.readVI64())
                }
            }
            // Object.
            let object: UInt64
            if flags & 0x04 != 0 {
                let v = try c.readVI64()
                if flags & 0x08 != 0 {
                    object = v
                } else {
                    guard let po = priorObject else { throw MoQTError.protocolViolation("first fetch object without Object ID") }
                    let (o, overflow) = po.addingReportingOverflow(v)
                    if overflow { throw MoQTError.protocolViolation("fetch object ID overflows 2^64-1") }
                    object = o
                }
            } else {
                guard let po = priorObject else { throw MoQTError.protocolViolation("first fetch object without Object ID") }
                guard po < UInt64.max else { throw MoQTError.protocolViolation("fetch object ID overflows 2^64-1") }
                object = po + 1
            }
            // Priority.
            let priority: UInt8
            if flags & 0x10 != 0 {
                priority = try c.readUInt8()
            } else {
                guard let pp = priorPriority else { throw MoQTError.protocolViolation("fetch object refers to a missing prior priority") }
                priority = pp
            }
            let props = flags & 0x20 != 0 ? try ObjectProperties.decode(from: &c) : ObjectProperties()
            let length = try c.readVI64()
            let status = ObjectStatus.normal
            priorGroup = group
            priorObject = object
            if case .subgroup(let s) = forwarding { priorSubgroup = s }
            priorPriority = priority
            r = c
            return .object(FetchObjectHeader(location: Location(group: group, object: object), forwarding: forwarding,
                                             publisherPriority: priority, properties: props, status: status, payloadLength: length))
        }
    }
}
