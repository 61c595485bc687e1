import QUIC
#if canImport(Glibc)
import Glibc
#endif

/// The clock the I/O layer feeds to the QUIC core: CLOCK_MONOTONIC, the same clock the kernel
/// fast path stamps packets with (`bpf_ktime_get_ns`).
public enum MonotonicClock {
    /// The current time.
    public static func now() -> QUICTime {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return QUICTime(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }
}
