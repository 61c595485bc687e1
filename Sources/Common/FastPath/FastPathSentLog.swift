import CFastPathABI
#if canImport(Glibc)
import Glibc
#endif

/// The mmap-ed `fp_sent_log`: every packet the kernel sent to a subscriber, by packet number, read by
/// user space when it needs them (an ACK, a timer) instead of one ring-buffer record per copy.
///
/// An entry is valid for packet number `pn` while its `committed` field is `pn + 1`; the kernel zeroes
/// it before changing the fields, so `entry` copies the fields between two reads of it.
public final class FastPathSentLog {
    private let base: UnsafeMutableRawPointer
    private let length: Int
    /// Subscriber slots.
    public let subscribers: Int
    /// Entries per subscriber.
    public static let slots = UInt64(FP_SENT_LOG_SLOTS)

    /// Maps the `fp_sent_log` array of `object`.
    public init(object: FastPathObject) throws {
        subscribers = Int(object.configuration.maxSubscribers)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = subscribers * Int(Self.slots) * MemoryLayout<fp_sent_entry>.stride
        length = (bytes + page - 1) / page * page
        guard let p = mmap(nil, length, PROT_READ, MAP_SHARED, object.fd(.sentLog), 0), p != MAP_FAILED else {
            throw FastPathError(.mapOperationFailed, errno: errno, "cannot mmap fp_sent_log")
        }
        base = p
    }

    deinit { munmap(base, length) }

    private func pointer(_ subscriber: UInt32, _ pn: UInt64) -> UnsafeMutablePointer<fp_sent_entry> {
        precondition(Int(subscriber) < subscribers, "subscriber id \(subscriber) outside fp_sent_log")
        let index = Int(subscriber) * Int(Self.slots) + Int(pn & (Self.slots - 1))
        return (base + index * MemoryLayout<fp_sent_entry>.stride).assumingMemoryBound(to: fp_sent_entry.self)
    }

    /// The packet `pn` the kernel sent to `subscriber`, as a SENT record; nil when that slot holds
    /// another packet number (user space sent `pn`, or the kernel is still writing it).
    public func record(subscriber: UInt32, packetNumber pn: UInt64) -> FastPathRecord? {
        let e = pointer(subscriber, pn)
        guard fp_atomic_load_u64(&e.pointee.committed) == pn &+ 1 else { return nil }
        let copy = e.pointee
        guard fp_atomic_load_u64(&e.pointee.committed) == pn &+ 1 else { return nil }
        var r = fp_record()
        r.kind = FP_REC_SENT.rawValue
        r.subscriber_id = subscriber
        r.connection_id = copy.connection_id
        r.upstream_id = copy.upstream_id
        r.packet_number = pn
        r.send_time_ns = copy.send_time_ns
        r.stream_id = copy.stream_id
        r.upstream_stream_id = copy.upstream_stream_id
        r.offset = copy.offset
        r.length = copy.length
        r.packet_size = copy.packet_size
        r.track_id = copy.track_id
        r.flags = copy.flags
        r.priority = copy.priority
        return FastPathRecord(r)
    }
}
