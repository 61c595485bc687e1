import Wire

/// One draft-22 Range Filter parameter (types 0x25-0x29): a SetID, for the property filters a
/// Property Type, and inclusive ranges of a value; the last range may be open. Filters of one
/// SetID are AND'd, SetIDs OR'd (`RangeFilterSet`).
///
/// Value: `[SetID (8)] [Property Type (i)] Range...`, Range = `Start (i) [End (i)]`, Start a delta
/// from the previous range's End (0 for the first), End a delta from its Start. An empty value
/// (no SetID) is allowed in REQUEST_UPDATE only, where it removes the filter parameter.
public struct RangeFilter: Hashable, Sendable {
    /// What the filter selects on (its Parameter Type).
    public enum Kind: UInt64, Hashable, Sendable, CaseIterable {
        /// SUBGROUP_FILTER: Subgroup ID.
        case subgroup = 0x25
        /// OBJECTID_FILTER: Object ID.
        case objectID = 0x26
        /// PRIORITY_FILTER: Publisher Priority (values above 255 are INVALID_FILTER).
        case priority = 0x27
        /// OBJECT_PROPERTY_FILTER: an integer Object Property.
        case objectProperty = 0x28
        /// TRACK_PROPERTY_FILTER: an integer Track Property (SUBSCRIBE_TRACKS only).
        case trackProperty = 0x29

        /// Whether the value carries a Property Type.
        public var hasPropertyType: Bool { self == .objectProperty || self == .trackProperty }
    }

    /// One inclusive range; `end` nil = no end (the last range only).
    public struct Span: Hashable, Sendable {
        public var start: UInt64
        public var end: UInt64?
        public init(_ start: UInt64, _ end: UInt64?) {
            self.start = start
            self.end = end
        }
        func contains(_ v: UInt64) -> Bool { v >= start && (end.map { v <= $0 } ?? true) }
    }

    public var kind: Kind
    /// nil: the zero-length value (REQUEST_UPDATE: remove this filter parameter).
    public var setID: UInt8?
    /// The Property Type of the two property filters.
    public var propertyType: UInt64?
    public var ranges: [Span]
    /// A delta on the wire ran past 2^64 - 1 (INVALID_FILTER; `ranges` stops before it).
    public var overflowed: Bool { overflowedValue != nil }
    /// The value as received when it overflowed, so it re-encodes as it was.
    var overflowedValue: [UInt8]?

    public init(kind: Kind, setID: UInt8? = 0, propertyType: UInt64? = nil, ranges: [Span]) {
        self.kind = kind
        self.setID = setID
        self.propertyType = propertyType
        self.ranges = ranges
    }

    /// The zero-length value that removes `kind` in a REQUEST_UPDATE.
    public static func removal(_ kind: Kind) -> RangeFilter { RangeFilter(kind: kind, setID: nil, ranges: []) }

    /// The parameter value (without its Length): ranges as given, or an overflowed value as it was
    /// received.
    public var encodedValue: [UInt8] {
        if let overflowedValue { return overflowedValue }
        var w = ByteWriter()
        guard let setID else { return [] }
        w.writeUInt8(setID)
        if kind.hasPropertyType { w.writeVI64(propertyType ?? 0) }
        var previous: UInt64 = 0
        for r in ranges {
            w.writeVI64(r.start &- previous)
            if let e = r.end {
                w.writeVI64(e &- r.start)
                previous = e
            }
        }
        return w.bytes
    }

    /// Parses a parameter value. A value that ends inside a field is KEY_VALUE_FORMATTING_ERROR; a
    /// delta past 2^64 - 1 is kept as `overflowed` (the request is refused with INVALID_FILTER).
    public init(kind: Kind, value: [UInt8]) throws {
        self.init(kind: kind, setID: nil, ranges: [])
        guard !value.isEmpty else { return }
        var r = ByteReader(value)
        var overflowed = false
        do {
            setID = try r.readUInt8()
            if kind.hasPropertyType { propertyType = try r.readVI64() }
            var previous: UInt64 = 0
            while !r.isAtEnd {
                let (s, o1) = previous.addingReportingOverflow(try r.readVI64())
                if r.isAtEnd {
                    if o1 { overflowed = true } else { ranges.append(Span(s, nil)) }
                    break
                }
                let (e, o2) = s.addingReportingOverflow(try r.readVI64())
                if o1 || o2 { overflowed = true; break }
                ranges.append(Span(s, e))
                previous = e
            }
        } catch {
            throw MoQTError.keyValueFormatting("range filter 0x\(String(kind.rawValue, radix: 16)) truncated")
        }
        if overflowed {
            // Kept whole; the request carrying it is refused.
            overflowedValue = value
        }
    }

    /// Whether `value` (nil: absent, e.g. a missing property) passes.
    public func admits(_ value: UInt64?) -> Bool {
        guard let value else { return false }
        return ranges.contains { $0.contains(value) }
    }
}

/// The Range Filters of one request, combined as draft-22 says: the filters of one SetID AND'd,
/// SetIDs OR'd; no filter admits everything.
public struct RangeFilterSet: Hashable, Sendable {
    public var filters: [RangeFilter]

    public init(_ filters: [RangeFilter] = []) { self.filters = filters.filter { $0.setID != nil } }

    public var isEmpty: Bool { filters.isEmpty }

    /// Total Ranges, what MAX_FILTER_RANGES limits.
    public var rangeCount: Int { filters.reduce(0) { $0 + $1.ranges.count } }

    /// Why a request carrying `filters` MUST be refused with INVALID_FILTER (draft-22 Range
    /// Filters), or nil: a delta past 2^64 - 1, a repeated (type, SetID, Property Type), an odd
    /// Property Type, a priority past 255, or more Ranges than `maxRanges` (this side's
    /// MAX_FILTER_RANGES; 0 allows no filter at all).
    public static func refusal(_ filters: [RangeFilter], maxRanges: UInt64) -> String? {
        var seen = Set<[UInt64]>()
        var count: UInt64 = 0
        for f in filters {
            let kind = "0x\(String(f.kind.rawValue, radix: 16))"
            if f.overflowed { return "range filter \(kind) value exceeds 2^64-1" }
            guard let set = f.setID else { continue }
            guard seen.insert([f.kind.rawValue, UInt64(set), f.propertyType ?? 0]).inserted else {
                return "range filter \(kind) repeats SetID \(set)"
            }
            if f.kind.hasPropertyType, (f.propertyType ?? 0) % 2 == 1 { return "range filter \(kind) names an odd property type" }
            if f.kind == .priority, f.ranges.contains(where: { $0.start > 255 || ($0.end ?? 0) > 255 }) {
                return "PRIORITY_FILTER value exceeds 255"
            }
            count += UInt64(f.ranges.count)
        }
        if !filters.isEmpty, maxRanges == 0 { return "range filters without MAX_FILTER_RANGES" }
        if count > maxRanges { return "\(count) filter ranges exceed MAX_FILTER_RANGES \(maxRanges)" }
        return nil
    }

    /// The filters after a REQUEST_UPDATE (or FILL_PARAMETERS) carrying `update`: a type present
    /// there replaces that type whole, a zero-length one removes it, an absent one is unchanged.
    public func updated(by update: [RangeFilter]) -> RangeFilterSet {
        let replaced = Set(update.map(\.kind))
        return RangeFilterSet(filters.filter { !replaced.contains($0.kind) } + update)
    }

    /// The object filters that remain for a track with `trackProperties` (TRACK_PROPERTY_FILTERs
    /// evaluated and dropped); nil when no set admits the track.
    public func forTrack(properties: [KeyValuePair]) -> RangeFilterSet? {
        guard !isEmpty else { return self }
        var kept: [RangeFilter] = []
        var anySet = false
        for (_, fs) in sets {
            let trackOK = fs.filter { $0.kind == .trackProperty }.allSatisfy { f in
                f.admits(properties.first { $0.type == f.propertyType }?.integerValue)
            }
            guard trackOK else { continue }
            anySet = true
            let rest = fs.filter { $0.kind != .trackProperty }
            if rest.isEmpty { return RangeFilterSet() }   // a set with nothing left admits every object
            kept += rest
        }
        return anySet ? RangeFilterSet(kept) : nil
    }

    private var sets: [(UInt8, [RangeFilter])] {
        Dictionary(grouping: filters, by: { $0.setID ?? 0 }).sorted { $0.key < $1.key }
    }

    /// Whether an object passes (TRACK_PROPERTY_FILTERs are `forTrack`'s, ignored here). A
    /// missing Object Property fails its filter.
    public func admits(subgroupID: UInt64, objectID: UInt64, publisherPriority: UInt8, properties: [KeyValuePair]) -> Bool {
        guard !isEmpty else { return true }
        return sets.contains { _, fs in
            fs.allSatisfy { f in
                switch f.kind {
                case .subgroup: return f.admits(subgroupID)
                case .objectID: return f.admits(objectID)
                case .priority: return f.admits(UInt64(publisherPriority))
                case .objectProperty: return f.admits(properties.first { $0.type == f.propertyType }?.integerValue)
                case .trackProperty: return true
                }
            }
        }
    }
}
