import CFastPathABI
import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

// Typed accessors for the fast-path maps. Keys and values are the shared header's structs.
extension FastPathObject {
    // MARK: raw access

    /// Writes `value` at `key` in `map` (`flags`: BPF_ANY, BPF_NOEXIST or BPF_EXIST).
    public func update<Key: BitwiseCopyable, Value: BitwiseCopyable>(_ map: FastPathMap, key: Key, value: Value,
                                                                     flags: UInt64 = UInt64(BPF_ANY)) throws {
        var k = key
        var v = value
        let rc = withUnsafeBytes(of: &k) { kp in
            withUnsafeBytes(of: &v) { vp in bpf_map_update_elem(fd(map), kp.baseAddress, vp.baseAddress, flags) }
        }
        if rc != 0 {
            let e = rc < 0 ? -rc : errno
            throw FastPathError(e == E2BIG ? .mapFull : .mapOperationFailed, errno: e, "update of \(map.rawValue) failed")
        }
    }

    /// Reads the value at `key` in `map`, or nil when there is none.
    public func lookup<Key: BitwiseCopyable, Value: BitwiseCopyable>(_ map: FastPathMap, key: Key,
                                                                     as type: Value.Type = Value.self) throws -> Value? {
        var k = key
        let raw = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<Value>.size, alignment: MemoryLayout<Value>.alignment)
        defer { raw.deallocate() }
        memset(raw, 0, MemoryLayout<Value>.size)
        let rc = withUnsafeBytes(of: &k) { bpf_map_lookup_elem(fd(map), $0.baseAddress, raw) }
        if rc != 0 {
            let e = rc < 0 ? -rc : errno
            if e == ENOENT { return nil }
            throw FastPathError(.mapOperationFailed, errno: e, "lookup in \(map.rawValue) failed")
        }
        return raw.load(as: Value.self)
    }

    /// Deletes `key` from `map`; returns false when it was not there.
    @discardableResult
    public func delete<Key: BitwiseCopyable>(_ map: FastPathMap, key: Key) throws -> Bool {
        var k = key
        let rc = withUnsafeBytes(of: &k) { bpf_map_delete_elem(fd(map), $0.baseAddress) }
        if rc != 0 {
            let e = rc < 0 ? -rc : errno
            if e == ENOENT { return false }
            throw FastPathError(.mapOperationFailed, errno: e, "delete from \(map.rawValue) failed")
        }
        return true
    }

    // MARK: configuration

    /// Writes `fp_config`: the relay's local connection ID length and the program flags.
    /// `maxSealedCopies`: encrypted mode's per-packet seal cap (0: `FP_DEFAULT_SEAL_CAP`).
    public func setConfiguration(localConnectionIDLength: Int, flags: FastPathFlags = [.enabled], maxSealedCopies: UInt32 = 0) throws {
        guard (1...Int(FP_MAX_CID_LEN)).contains(localConnectionIDLength) else {
            throw FastPathError(.invalidArgument, "local connection ID length \(localConnectionIDLength) is not 1...\(FP_MAX_CID_LEN)")
        }
        var config = fp_config()
        config.abi_version = UInt32(FP_ABI_VERSION)
        config.flags = flags.rawValue
        config.local_cid_len = UInt32(localConnectionIDLength)
        config.max_sealed_copies = maxSealedCopies
        try update(.config, key: UInt32(0), value: config)
    }

    /// Reads `fp_config`.
    public func readConfiguration() throws -> fp_config? { try lookup(.config, key: UInt32(0)) }

    // MARK: connection IDs

    /// Registers a connection ID the relay issued and the connection that owns it.
    public func setLocalConnectionID(_ cid: [UInt8], owner: FastPathConnectionOwner) throws {
        try update(.localConnectionIDs, key: try Self.cidKey(cid), value: owner.cValue)
    }

    /// Removes a retired connection ID.
    @discardableResult
    public func removeLocalConnectionID(_ cid: [UInt8]) throws -> Bool {
        try delete(.localConnectionIDs, key: try Self.cidKey(cid))
    }

    static func cidKey(_ cid: [UInt8]) throws -> fp_cid_key {
        guard !cid.isEmpty, cid.count <= Int(FP_MAX_CID_LEN) else {
            throw FastPathError(.invalidArgument, "connection ID of \(cid.count) bytes")
        }
        var key = fp_cid_key()
        withUnsafeMutableBytes(of: &key.cid) { $0.copyBytes(from: cid) }
        return key
    }

    // MARK: upstreams

    /// Registers upstream connection `id`: packets FROM the publisher (src = publisher, dst = relay).
    public func setUpstream(_ id: UInt32, path: FastPathEndpointPair) throws {
        var upstream = fp_upstream()
        upstream.active = 1
        upstream.path = path.cValue
        try update(.upstreams, key: id, value: upstream)
    }

    /// Deactivates upstream connection `id`.
    public func removeUpstream(_ id: UInt32) throws {
        try update(.upstreams, key: id, value: fp_upstream())
    }

    // MARK: keys (encrypted mode)

    /// Writes `keys` into slot `slot` (0 or 1) of upstream `id` (the keys that open its packets) or of
    /// subscriber `id` (the keys that seal its copies). The slot must not be the one the connection's
    /// `key_slot` names: write the other one, then select it (`selectUpstreamKeys` /
    /// `FastPathSubscriber.keySlot`), so the kernel never reads a key half-written.
    public func setKeys(_ keys: FastPathKeySet, upstream: Bool, id: UInt32, slot: UInt32) throws {
        guard slot < 2 else { throw FastPathError(.invalidArgument, "key slot \(slot) is not 0 or 1") }
        try update(upstream ? .upstreamKeys : .subscriberKeys, key: id * 2 + slot, value: keys.cValue)
    }

    /// Zeroes both key slots of upstream or subscriber `id` (the connection ended).
    public func clearKeys(upstream: Bool, id: UInt32) throws {
        for slot in UInt32(0)..<2 { try update(upstream ? .upstreamKeys : .subscriberKeys, key: id * 2 + slot, value: fp_key_set()) }
    }

    /// Reads slot `slot` of upstream or subscriber `id`.
    public func keys(upstream: Bool, id: UInt32, slot: UInt32) throws -> fp_key_set? {
        try lookup(upstream ? .upstreamKeys : .subscriberKeys, key: id * 2 + slot)
    }

    /// Registers upstream `id` with its keys in slot `keySlot` (nil: cleartext): the kernel opens its
    /// packets from now on. Called again with the other slot after a key change.
    public func setUpstream(_ id: UInt32, path: FastPathEndpointPair, keySlot: UInt32?) throws {
        var upstream = fp_upstream()
        upstream.active = 1
        upstream.path = path.cValue
        upstream.key_slot = keySlot.map { $0 + 1 } ?? 0
        try update(.upstreams, key: id, value: upstream)
    }

    // MARK: tracks

    /// Puts a track on the fast path: media streams of `upstreamID` whose subgroup header carries
    /// `alias` are cloned to `subscribers` (at most FP_MAX_FANOUT).
    public func setTrack(upstreamID: UInt32, alias: UInt64, trackID: UInt32, defaultPriority: UInt8,
                         subscribers: [FastPathTrackSubscriber]) throws {
        guard subscribers.count <= Int(FP_MAX_FANOUT) else {
            throw FastPathError(.invalidArgument, "\(subscribers.count) subscribers exceed FP_MAX_FANOUT (\(FP_MAX_FANOUT))")
        }
        var track = fp_track()
        track.track_id = trackID
        track.default_priority = defaultPriority
        track.subscriber_count = UInt32(subscribers.count)
        withUnsafeMutableBytes(of: &track.subscribers) { raw in
            let entries = raw.bindMemory(to: fp_track_sub.self)
            for (i, s) in subscribers.enumerated() {
                entries[i].subscriber_id = s.subscriberID
                entries[i].alias = s.alias
            }
        }
        try update(.tracks, key: Self.trackKey(upstreamID, alias), value: track)
    }

    /// Takes a track off the fast path.
    @discardableResult
    public func removeTrack(upstreamID: UInt32, alias: UInt64) throws -> Bool {
        try delete(.tracks, key: Self.trackKey(upstreamID, alias))
    }

    static func trackKey(_ upstreamID: UInt32, _ alias: UInt64) -> fp_track_key {
        var key = fp_track_key()
        key.upstream_id = upstreamID
        key.alias = alias
        return key
    }

    // MARK: streams

    /// The kernel's view of upstream media stream `streamID`, or nil.
    public func stream(upstreamID: UInt32, streamID: UInt64) throws -> fp_stream? {
        var key = fp_stream_key()
        key.upstream_id = upstreamID
        key.stream_id = streamID
        return try lookup(.streams, key: key)
    }

    /// Forgets upstream media stream `streamID` (after it finished or was reset).
    @discardableResult
    public func removeStream(upstreamID: UInt32, streamID: UInt64) throws -> Bool {
        var key = fp_stream_key()
        key.upstream_id = upstreamID
        key.stream_id = streamID
        return try delete(.streams, key: key)
    }

    // MARK: subscribers

    /// Writes subscriber `id`'s connection state.
    public func setSubscriber(_ id: UInt32, _ subscriber: FastPathSubscriber) throws {
        try update(.subscribers, key: id, value: try subscriber.cValue())
    }

    /// Reads subscriber `id`'s connection state.
    public func subscriber(_ id: UInt32) throws -> fp_subscriber? { try lookup(.subscribers, key: id) }

    /// Deactivates subscriber `id` (its stream entries must be removed with `removeSubscriberStream`).
    public func removeSubscriber(_ id: UInt32) throws {
        try update(.subscribers, key: id, value: fp_subscriber())
        try update(.learned, key: id, value: fp_learned())
    }

    /// What the subscriber-ingress program learned about subscriber `id`.
    public func learned(_ id: UInt32) throws -> fp_learned? { try lookup(.learned, key: id) }

    // MARK: subscriber streams

    static func subscriberStreamKey(_ subscriberID: UInt32, _ upstreamID: UInt32, _ streamID: UInt64) -> fp_sub_stream_key {
        var key = fp_sub_stream_key()
        key.subscriber_id = subscriberID
        key.upstream_id = upstreamID
        key.stream_id = streamID
        return key
    }

    /// The state of subscriber `subscriberID`'s copy of upstream stream `streamID`, or nil.
    public func subscriberStream(subscriberID: UInt32, upstreamID: UInt32, streamID: UInt64) throws -> fp_sub_stream? {
        try lookup(.subscriberStreams, key: Self.subscriberStreamKey(subscriberID, upstreamID, streamID))
    }

    /// Raises the subscriber's MAX_STREAM_DATA for its copy of upstream stream `streamID`.
    public func setSubscriberStreamLimit(subscriberID: UInt32, upstreamID: UInt32, streamID: UInt64, maxStreamData: UInt64) throws {
        let key = Self.subscriberStreamKey(subscriberID, upstreamID, streamID)
        guard var state: fp_sub_stream = try lookup(.subscriberStreams, key: key) else { return }
        state.max_stream_data = maxStreamData
        try update(.subscriberStreams, key: key, value: state, flags: UInt64(BPF_EXIST))
    }

    /// Claims subscriber `subscriberID`'s copy of upstream stream `streamID` for user space: inserts an
    /// `FP_SS_HANDOFF` entry only if none exists (BPF_NOEXIST), so the kernel then skips the stream.
    /// Returns false when an entry exists already (the kernel took the stream, or it was claimed).
    public func claimSubscriberStream(subscriberID: UInt32, upstreamID: UInt32, streamID: UInt64) throws -> Bool {
        var state = fp_sub_stream()
        state.flags = FP_SS_HANDOFF.rawValue
        do {
            try update(.subscriberStreams, key: Self.subscriberStreamKey(subscriberID, upstreamID, streamID), value: state,
                       flags: UInt64(BPF_NOEXIST))
            return true
        } catch let e as FastPathError where e.errno == EEXIST {
            return false
        }
    }

    /// Hands a stream user space owned (a late joiner's) to the kernel from `sentEnd` on: the entry
    /// becomes `FP_SS_OPEN` with the subscriber's stream ID and flow-control limit, so later upstream
    /// packets of it are forwarded. Only an existing `FP_SS_HANDOFF` entry is changed (BPF_EXIST);
    /// returns false when there is none or it is not a plain handoff.
    public func handStreamToKernel(subscriberID: UInt32, upstreamID: UInt32, streamID: UInt64, subscriberStreamID: UInt64,
                                   sentEnd: UInt64, maxStreamData: UInt64, priority: UInt8) throws -> Bool {
        let key = Self.subscriberStreamKey(subscriberID, upstreamID, streamID)
        guard let current: fp_sub_stream = try lookup(.subscriberStreams, key: key), current.flags == FP_SS_HANDOFF.rawValue else { return false }
        var state = fp_sub_stream()
        state.stream_id = subscriberStreamID
        state.sent_end = sentEnd
        state.max_stream_data = maxStreamData
        state.flags = FP_SS_OPEN.rawValue
        state.priority = priority
        try update(.subscriberStreams, key: key, value: state, flags: UInt64(BPF_EXIST))
        return true
    }

    /// Marks subscriber `subscriberID`'s copy of upstream stream `streamID` dropped (the kernel forwards
    /// nothing more of it), creating the entry when there is none.
    public func markSubscriberStreamDropped(subscriberID: UInt32, upstreamID: UInt32, streamID: UInt64) throws {
        let key = Self.subscriberStreamKey(subscriberID, upstreamID, streamID)
        var state: fp_sub_stream = try lookup(.subscriberStreams, key: key) ?? fp_sub_stream()
        state.flags |= FP_SS_DROPPED.rawValue
        try update(.subscriberStreams, key: key, value: state)
    }

    /// Forgets a subscriber stream (closed, reset, or the subscriber left).
    @discardableResult
    public func removeSubscriberStream(subscriberID: UInt32, upstreamID: UInt32, streamID: UInt64) throws -> Bool {
        try delete(.subscriberStreams, key: Self.subscriberStreamKey(subscriberID, upstreamID, streamID))
    }

    // MARK: counters

    /// The per-decision counters, summed over CPUs.
    public func counters() throws -> FastPathCounters {
        let cpus = Int(libbpf_num_possible_cpus())
        guard cpus > 0 else { throw FastPathError(.mapOperationFailed, errno: -Int32(cpus), "cannot count CPUs") }
        var totals = [UInt64](repeating: 0, count: Int(FP_CNT__MAX.rawValue))
        var values = [UInt64](repeating: 0, count: cpus)
        for index in 0..<UInt32(FP_CNT__MAX.rawValue) {
            var key = index
            let rc = bpf_map_lookup_elem(fd(.counters), &key, &values)
            if rc != 0 {
                throw FastPathError(.mapOperationFailed, errno: rc < 0 ? -rc : errno, "cannot read fp_counters")
            }
            totals[Int(index)] = values.reduce(0, &+)
        }
        return FastPathCounters(values: totals)
    }
}
