/// A point in time on a monotonic clock, in nanoseconds (the same clock as `bpf_ktime_get_ns`,
/// CLOCK_MONOTONIC, in the running relay; any origin in tests).
///
/// The relay logic never reads a clock: every input that depends on time takes one of these.
public struct RelayTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: UInt64

    /// A time `nanoseconds` after the clock's origin.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The clock's origin.
    public static let zero = RelayTime(nanoseconds: 0)

    /// A time `milliseconds` after the origin.
    public static func milliseconds(_ milliseconds: UInt64) -> RelayTime {
        RelayTime(nanoseconds: milliseconds &* 1_000_000)
    }

    /// A time `seconds` after the origin (negative values clamp to the origin).
    public static func seconds(_ seconds: Double) -> RelayTime {
        RelayTime(nanoseconds: RelayTime.nanoseconds(seconds))
    }

    /// This time moved `seconds` later (earlier for a negative value, clamped at the origin).
    public func adding(seconds: Double) -> RelayTime {
        if seconds >= 0 { return RelayTime(nanoseconds: nanoseconds &+ RelayTime.nanoseconds(seconds)) }
        let d = RelayTime.nanoseconds(-seconds)
        return RelayTime(nanoseconds: nanoseconds > d ? nanoseconds - d : 0)
    }

    /// Seconds from `earlier` to this time (0 when `earlier` is later).
    public func seconds(since earlier: RelayTime) -> Double {
        nanoseconds > earlier.nanoseconds ? Double(nanoseconds - earlier.nanoseconds) / 1e9 : 0
    }

    /// Earlier times first.
    public static func < (a: RelayTime, b: RelayTime) -> Bool { a.nanoseconds < b.nanoseconds }

    /// Seconds with millisecond precision, e.g. `12.345s`.
    public var description: String {
        let ms = nanoseconds / 1_000_000
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)s"
    }

    /// Converts non-negative seconds to nanoseconds, saturating.
    static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard seconds > 0, seconds.isFinite else { return seconds.isInfinite && seconds > 0 ? UInt64.max : 0 }
        let ns = seconds * 1e9
        return ns >= 1.8e19 ? UInt64.max : UInt64(ns)
    }
}
