import CFastPathABI
#if canImport(Glibc)
import Glibc
#endif

/// The mmap-ed `fp_sent_log` array: per subscriber, `FP_LOG_SLOTS` entries in which the kernel writes
/// the packets it sent (with `FastPathFlags.sentLog`), entry `packetNumber % FP_LOG_SLOTS`.
///
/// The kernel writes an entry's `packet_number` last; an entry is read when that field equals the
/// number looked for and `connection_id` the reader's connection. The kernel writes the entry of
/// number `n` only while `n < log_read + FP_LOG_SLOTS` (`fp_shared.log_read`, set with
/// `FastPathSharedMemory.setLogRead`), so an entry not yet read is never overwritten.
public final class FastPathSentLog {
    private let base: UnsafeMutableRawPointer
    private let length: Int
    /// Number of subscriber slots.
    public let subscribers: Int
    /// Entries per subscriber.
    public static let slots = Int(FP_LOG_SLOTS)

    /// Maps the `fp_sent_log` array of `object`.
    public init(object: FastPathObject) throws {
        subscribers = Int(object.configuration.maxSubscribers)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = subscribers * Self.slots * MemoryLayout<fp_sent_entry>.stride
        length = (bytes + page - 1) / page * page
        guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, object.fd(.sentLog), 0), p != MAP_FAILED else {
            throw FastPathError(.mapOperationFailed, errno: errno, "cannot mmap fp_sent_log")
        }
        base = p
    }

    deinit { munmap(base, length) }

    private func entry(_ id: UInt32, _ packetNumber: UInt64) -> UnsafeMutablePointer<fp_sent_entry> {
        precondition(Int(id) < subscribers, "subscriber id \(id) outside fp_sent_log")
        let index = Int(id) * Self.slots + Int(packetNumber & UInt64(Self.slots - 1))
        return (base + index * MemoryLayout<fp_sent_entry>.stride).assumingMemoryBound(to: fp_sent_entry.self)
    }

    /// Marks every entry of subscriber `id` unwritten (before a new connection takes the slot, so
    /// nothing of the previous one can be taken for its own).
    public func clear(_ id: UInt32) {
        for n in 0..<UInt64(Self.slots) {
            fp_atomic_store_u64(&entry(id, n).pointee.packet_number, UInt64(FP_LOG_EMPTY))
        }
    }

    /// The entry the kernel wrote for packet `packetNumber` of subscriber `id`'s connection `connection`,
    /// or nil when it has not (yet) written one.
    public func read(_ id: UInt32, packetNumber: UInt64, connection: UInt32) -> fp_sent_entry? {
        let e = entry(id, packetNumber)
        // The atomic load orders the reads of the other fields after it; the kernel wrote them before.
        guard fp_atomic_load_u64(&e.pointee.packet_number) == packetNumber else { return nil }
        let copy = e.pointee
        return copy.connection_id == connection ? copy : nil
    }

    /// Tests only: writes an entry as the kernel does.
    public func write(_ id: UInt32, _ value: fp_sent_entry) {
        let e = entry(id, value.packet_number)
        fp_atomic_store_u64(&e.pointee.packet_number, UInt64(FP_LOG_EMPTY))
        var v = value
        let pn = v.packet_number
        v.packet_number = UInt64(FP_LOG_EMPTY)
        e.pointee = v
        fp_atomic_store_u64(&e.pointee.packet_number, pn)
    }
}

extension FastPathRecord {
    /// The SENT record equivalent to a sent-log entry of subscriber `subscriberID`.
    public init(sent e: fp_sent_entry, subscriberID: UInt32) {
        var r = fp_record()
        r.kind = UInt32(FP_REC_SENT.rawValue)
        r.subscriber_id = subscriberID
        r.connection_id = e.connection_id
        r.upstream_id = e.upstream_id
        r.packet_number = e.packet_number
        r.send_time_ns = e.send_time_ns
        r.stream_id = e.stream_id
        r.upstream_stream_id = e.upstream_stream_id
        r.offset = e.offset
        r.length = e.length
        r.packet_size = e.packet_size
        r.track_id = e.track_id
        r.flags = e.flags
        r.priority = e.priority
        self.init(r)
    }
}
