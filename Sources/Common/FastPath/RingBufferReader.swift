import CFastPathABI
import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

/// Reads `fp_records` in batches: one `poll` or `drain` call hands back every record the kernel has
/// committed so far. `drain` needs no system call (the ring buffer is shared memory), so a connection can
/// drain pending records before it processes an ACK that may cover kernel-sent packet numbers.
public final class RingBufferReader {
    private final class Sink {
        var records: [FastPathRecord] = []
        var malformed = 0
    }

    private var ring: OpaquePointer?
    private let sink = Sink()
    private let sinkPointer: Unmanaged<Sink>

    /// Opens the ring buffer of `object`.
    public init(object: FastPathObject) throws {
        sinkPointer = Unmanaged.passRetained(sink)
        let callback: ring_buffer_sample_fn = { context, data, size in
            guard let context, let data else { return 0 }
            let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
            guard size >= MemoryLayout<fp_record>.size else {
                sink.malformed += 1
                return 0
            }
            sink.records.append(FastPathRecord(data.loadUnaligned(as: fp_record.self)))
            return 0
        }
        guard let ring = ring_buffer__new(object.fd(.records), callback, sinkPointer.toOpaque(), nil) else {
            sinkPointer.release()
            throw FastPathError(.ringBufferFailed, errno: errno, "cannot open the fp_records ring buffer")
        }
        self.ring = ring
    }

    deinit {
        if let ring { ring_buffer__free(ring) }
        sinkPointer.release()
    }

    /// Records whose size did not match `fp_record` (always 0 unless the ABI is broken).
    public var malformedRecords: Int { sink.malformed }

    /// Waits up to `timeoutMilliseconds` for records and returns every committed one.
    public func poll(timeoutMilliseconds: Int32) throws -> [FastPathRecord] {
        let rc = ring_buffer__poll(ring, timeoutMilliseconds)
        if rc < 0 && rc != -EINTR {
            throw FastPathError(.ringBufferFailed, errno: -rc, "ring_buffer__poll failed")
        }
        return take()
    }

    /// Returns every committed record without waiting (no system call).
    public func drain() throws -> [FastPathRecord] {
        let rc = ring_buffer__consume(ring)
        if rc < 0 {
            throw FastPathError(.ringBufferFailed, errno: -rc, "ring_buffer__consume failed")
        }
        return take()
    }

    private func take() -> [FastPathRecord] {
        defer { sink.records.removeAll(keepingCapacity: true) }
        return sink.records
    }
}
