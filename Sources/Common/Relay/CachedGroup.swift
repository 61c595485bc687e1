import MoQT

/// One group held by a `TrackCache`: its objects by ID, each subgroup's object IDs, and what is
/// known about where the group ends.
struct CachedGroup: Sendable {
    /// The group ID.
    let id: UInt64
    /// Objects by object ID (object IDs are unique within a group across subgroups).
    private(set) var objects: [UInt64: RelayObject] = [:]
    /// Object IDs ascending.
    private(set) var sortedIDs: [UInt64] = []
    /// Object IDs ascending per subgroup (datagrams under `.datagram`).
    private(set) var subgroups: [ObjectForwardingPreference: [UInt64]] = [:]
    /// Bytes held.
    private(set) var bytes = 0
    /// The latest arrival time of any object in the group.
    private(set) var newestArrival = RelayTime.zero
    /// The last object ID that exists in the group (inclusive), when known: an end-of-group or
    /// end-of-track status object is the last one, or the session said the group is complete.
    var lastObject: UInt64?

    init(id: UInt64) { self.id = id }

    /// Adds an object; false when its object ID is already held.
    mutating func insert(_ object: RelayObject) -> Bool {
        let oid = object.objectID
        guard objects[oid] == nil else { return false }
        objects[oid] = object
        sortedIDs.insert(oid, at: CachedGroup.insertionIndex(of: oid, in: sortedIDs))
        var ids = subgroups[object.forwarding, default: []]
        ids.insert(oid, at: CachedGroup.insertionIndex(of: oid, in: ids))
        subgroups[object.forwarding] = ids
        bytes += object.byteCount
        if object.arrival > newestArrival { newestArrival = object.arrival }
        if object.status != .normal {
            // "No object at or beyond this ID": the status object itself is the last one held.
            lastObject = min(lastObject ?? UInt64.max, oid)
        }
        return true
    }

    /// Removes the object with the lowest ID and returns it (nil when empty).
    mutating func removeOldest() -> RelayObject? {
        guard let oid = sortedIDs.first, let o = objects.removeValue(forKey: oid) else { return nil }
        sortedIDs.removeFirst()
        if var ids = subgroups[o.forwarding], let i = ids.firstIndex(of: oid) {
            ids.remove(at: i)
            subgroups[o.forwarding] = ids.isEmpty ? nil : ids
        }
        bytes -= o.byteCount
        return o
    }

    /// The largest object ID held.
    var largestObjectID: UInt64? { sortedIDs.last }

    /// Objects with IDs in `first...last` ascending.
    func objects(from first: UInt64, through last: UInt64) -> [RelayObject] {
        guard first <= last else { return [] }
        var out: [RelayObject] = []
        var i = CachedGroup.insertionIndex(of: first, in: sortedIDs)
        while i < sortedIDs.count, sortedIDs[i] <= last {
            if let o = objects[sortedIDs[i]] { out.append(o) }
            i += 1
        }
        return out
    }

    /// The parts of `first...last` (nil: through the group's end) this group does not hold, as
    /// object ID ranges (`upper` nil = open ended, the group's end being unknown).
    func missingRanges(from first: UInt64, through last: UInt64?) -> [(lower: UInt64, upper: UInt64?)] {
        // Where the wanted range really ends (inclusive), if known.
        var upper: UInt64? = last
        if let known = lastObject { upper = min(upper ?? known, known) }
        var out: [(lower: UInt64, upper: UInt64?)] = []
        if let u = upper, u < first { return out }
        var expected: UInt64? = first  // nil once past UInt64.max
        var i = CachedGroup.insertionIndex(of: first, in: sortedIDs)
        while i < sortedIDs.count, let e = expected {
            let id = sortedIDs[i]
            if let u = upper, id > u { break }
            if id > e { out.append((e, id - 1)) }
            expected = id == UInt64.max ? nil : id + 1
            i += 1
        }
        guard let e = expected else { return out }
        if let u = upper {
            if e <= u { out.append((e, u)) }
        } else {
            out.append((e, nil))
        }
        return out
    }

    /// The index at which `value` would be inserted to keep `sorted` ascending (first not less).
    static func insertionIndex(of value: UInt64, in sorted: [UInt64]) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sorted[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
