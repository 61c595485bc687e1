import CFastPathABI
#if canImport(Glibc)
import Glibc
#endif

/// The mmap-ed `fp_shared` array: per-subscriber counters the kernel and user space both change with
/// atomic adds (packet numbers, stream numbers, send budget, flow-control credit).
///
/// User space allocates its own packet numbers and uni stream IDs for a fast-path subscriber connection
/// from here too, so no number is ever used twice on a connection.
public final class FastPathSharedMemory {
    private let base: UnsafeMutableRawPointer
    private let length: Int
    /// Number of subscriber slots.
    public let count: Int

    /// Maps the `fp_shared` array of `object`.
    public init(object: FastPathObject) throws {
        count = Int(object.configuration.maxSubscribers)
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = count * MemoryLayout<fp_shared>.stride
        length = (bytes + page - 1) / page * page
        guard let p = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, object.fd(.shared), 0), p != MAP_FAILED else {
            throw FastPathError(.mapOperationFailed, errno: errno, "cannot mmap fp_shared")
        }
        base = p
    }

    deinit { munmap(base, length) }

    /// The shared slot of subscriber `id`.
    public func slot(_ id: UInt32) -> UnsafeMutablePointer<fp_shared> {
        precondition(Int(id) < count, "subscriber id \(id) outside fp_shared")
        return (base + Int(id) * MemoryLayout<fp_shared>.stride).assumingMemoryBound(to: fp_shared.self)
    }

    /// Takes the next packet number of subscriber `id`'s connection.
    public func allocatePacketNumber(_ id: UInt32) -> UInt64 {
        fp_atomic_fetch_add_u64(&slot(id).pointee.next_packet_number, 1)
    }

    /// Takes the next uni stream number (stream ID = n * 4 + uni_stream_base).
    public func allocateUniStream(_ id: UInt32) -> UInt64 {
        fp_atomic_fetch_add_u64(&slot(id).pointee.next_uni_stream, 1)
    }

    /// Adds to the congestion budget (cwnd - bytes in flight): positive on ACK/loss, negative when user
    /// space itself sends.
    public func addBudget(_ id: UInt32, _ delta: Int64) {
        _ = fp_atomic_fetch_add_s64(&slot(id).pointee.budget, delta)
    }

    /// Until `nanoseconds` (CLOCK_MONOTONIC, as bpf_ktime_get_ns) a budget shortfall of subscriber
    /// `id` is real congestion and the kernel drops by priority; afterwards it hands the stream to
    /// user space instead. Set on loss.
    public func setCongestedUntil(_ id: UInt32, _ nanoseconds: UInt64) {
        fp_atomic_store_u64(&slot(id).pointee.congested_until_ns, nanoseconds)
    }

    /// Adds connection flow-control credit (MAX_DATA increase, or negative for data user space sent).
    public func addConnectionCredit(_ id: UInt32, _ delta: Int64) {
        _ = fp_atomic_fetch_add_s64(&slot(id).pointee.conn_credit, delta)
    }

    /// Adds MAX_STREAMS (uni) credit.
    public func addStreamsCredit(_ id: UInt32, _ delta: Int64) {
        _ = fp_atomic_fetch_add_s64(&slot(id).pointee.streams_credit, delta)
    }

    /// Every packet number of subscriber `id` below `packetNumber` has been read from the sent log:
    /// the kernel may write their entries again.
    public func setLogRead(_ id: UInt32, _ packetNumber: UInt64) {
        fp_atomic_store_u64(&slot(id).pointee.log_read, packetNumber)
    }

    /// The next packet number of subscriber `id`'s connection (read atomically).
    public func nextPacketNumber(_ id: UInt32) -> UInt64 {
        fp_atomic_load_u64(&slot(id).pointee.next_packet_number)
    }

    /// Sets every field of subscriber `id`'s slot (when a subscriber joins the fast path).
    public func reset(_ id: UInt32, nextPacketNumber: UInt64, nextUniStream: UInt64, budget: Int64,
                      connectionCredit: Int64, streamsCredit: Int64) {
        let s = slot(id)
        s.pointee = fp_shared()
        fp_atomic_store_u64(&s.pointee.next_packet_number, nextPacketNumber)
        fp_atomic_store_u64(&s.pointee.log_read, nextPacketNumber)
        fp_atomic_store_u64(&s.pointee.next_uni_stream, nextUniStream)
        fp_atomic_store_s64(&s.pointee.budget, budget)
        fp_atomic_store_s64(&s.pointee.conn_credit, connectionCredit)
        fp_atomic_store_s64(&s.pointee.streams_credit, streamsCredit)
    }

    /// A consistent-enough copy of subscriber `id`'s slot (each field read atomically).
    public func snapshot(_ id: UInt32) -> fp_shared {
        let s = slot(id)
        var copy = fp_shared()
        copy.next_packet_number = fp_atomic_load_u64(&s.pointee.next_packet_number)
        copy.next_uni_stream = fp_atomic_load_u64(&s.pointee.next_uni_stream)
        copy.budget = fp_atomic_load_s64(&s.pointee.budget)
        copy.conn_credit = fp_atomic_load_s64(&s.pointee.conn_credit)
        copy.streams_credit = fp_atomic_load_s64(&s.pointee.streams_credit)
        copy.forwarded_packets = fp_atomic_load_u64(&s.pointee.forwarded_packets)
        copy.forwarded_bytes = fp_atomic_load_u64(&s.pointee.forwarded_bytes)
        copy.dropped_priority = fp_atomic_load_u64(&s.pointee.dropped_priority)
        copy.dropped_budget = fp_atomic_load_u64(&s.pointee.dropped_budget)
        copy.handoffs = fp_atomic_load_u64(&s.pointee.handoffs)
        copy.unreported = fp_atomic_load_u64(&s.pointee.unreported)
        copy.congested_until_ns = fp_atomic_load_u64(&s.pointee.congested_until_ns)
        copy.shortfall_handoffs = fp_atomic_load_u64(&s.pointee.shortfall_handoffs)
        copy.log_read = fp_atomic_load_u64(&s.pointee.log_read)
        copy.log_overruns = fp_atomic_load_u64(&s.pointee.log_overruns)
        copy.sealed_packets = fp_atomic_load_u64(&s.pointee.sealed_packets)
        return copy
    }
}
