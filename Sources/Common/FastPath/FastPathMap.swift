/// The maps of `bpf/fastpath.bpf.c`, by the names the ABI header documents.
public enum FastPathMap: String, CaseIterable, Sendable {
    /// ARRAY[1] of `fp_config`.
    case config = "fp_config"
    /// HASH `fp_cid_key` -> `fp_cid_owner`: connection IDs the relay issued.
    case localConnectionIDs = "fp_local_cids"
    /// ARRAY of `fp_upstream`, indexed by upstream id.
    case upstreams = "fp_upstreams"
    /// HASH `fp_track_key` -> `fp_track`.
    case tracks = "fp_tracks"
    /// HASH `fp_stream_key` -> `fp_stream` (created by the kernel at a stream's first byte).
    case streams = "fp_streams"
    /// ARRAY of `fp_subscriber`, indexed by subscriber id.
    case subscribers = "fp_subscribers"
    /// ARRAY (mmap-able) of `fp_shared`, indexed by subscriber id.
    case shared = "fp_shared"
    /// HASH `fp_sub_stream_key` -> `fp_sub_stream`.
    case subscriberStreams = "fp_sub_streams"
    /// ARRAY of `fp_learned`, indexed by subscriber id (written by the subscriber-ingress program).
    case learned = "fp_learned"
    /// PERCPU_ARRAY of `__u64`, indexed by `enum fp_counter`.
    case counters = "fp_counters"
    /// RINGBUF of `fp_record`.
    case records = "fp_records"
    /// ARRAY (mmap-able) of `fp_sent_entry`, `FP_LOG_SLOTS` per subscriber id.
    case sentLog = "fp_sent_log"
    /// ARRAY of `fp_key_set`, two slots per upstream id (encrypted mode: the keys that open its packets).
    case upstreamKeys = "fp_up_keys"
    /// ARRAY of `fp_key_set`, two slots per subscriber id (encrypted mode: the keys that seal its copies).
    case subscriberKeys = "fp_sub_keys"
}
