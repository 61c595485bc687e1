/// A point on a monotonic clock, in nanoseconds. The QUIC core never reads a clock:
/// every input carries the current `QUICTime`, so tests can drive it with a virtual clock.
public struct QUICTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since an arbitrary epoch (e.g. CLOCK_MONOTONIC's).
    public var nanoseconds: UInt64

    /// A time `nanoseconds` after the epoch.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The epoch itself.
    public static let zero = QUICTime(nanoseconds: 0)

    public static func < (lhs: QUICTime, rhs: QUICTime) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    /// `lhs` moved later by `rhs` (saturating).
    public static func + (lhs: QUICTime, rhs: QUICDuration) -> QUICTime {
        let (v, o) = lhs.nanoseconds.addingReportingOverflow(rhs.nanoseconds)
        return QUICTime(nanoseconds: o ? .max : v)
    }
    /// The time between two instants, zero when `rhs` is later.
    public static func - (lhs: QUICTime, rhs: QUICTime) -> QUICDuration {
        QUICDuration(nanoseconds: lhs.nanoseconds >= rhs.nanoseconds ? lhs.nanoseconds - rhs.nanoseconds : 0)
    }
    public var description: String { "\(Double(nanoseconds) / 1e6)ms" }
}

/// A span of time in nanoseconds.
public struct QUICDuration: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The length in nanoseconds.
    public var nanoseconds: UInt64
    /// A span of `nanoseconds`.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    /// A span of whole milliseconds.
    public static func milliseconds(_ ms: UInt64) -> QUICDuration { QUICDuration(nanoseconds: ms &* 1_000_000) }
    /// A span of whole microseconds.
    public static func microseconds(_ us: UInt64) -> QUICDuration { QUICDuration(nanoseconds: us &* 1_000) }
    /// A span of seconds.
    public static func seconds(_ s: Double) -> QUICDuration { QUICDuration(nanoseconds: UInt64(max(0, s) * 1e9)) }
    /// No time.
    public static let zero = QUICDuration(nanoseconds: 0)
    /// Whole microseconds (rounded down).
    public var microseconds: UInt64 { nanoseconds / 1_000 }
    /// Milliseconds as a floating-point value, for reports.
    public var milliseconds: Double { Double(nanoseconds) / 1e6 }

    public static func < (lhs: QUICDuration, rhs: QUICDuration) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: QUICDuration, rhs: QUICDuration) -> QUICDuration {
        let (v, o) = lhs.nanoseconds.addingReportingOverflow(rhs.nanoseconds)
        return QUICDuration(nanoseconds: o ? .max : v)
    }
    public static func - (lhs: QUICDuration, rhs: QUICDuration) -> QUICDuration {
        QUICDuration(nanoseconds: lhs.nanoseconds >= rhs.nanoseconds ? lhs.nanoseconds - rhs.nanoseconds : 0)
    }
    public static func * (lhs: QUICDuration, rhs: UInt64) -> QUICDuration {
        let (v, o) = lhs.nanoseconds.multipliedReportingOverflow(by: rhs)
        return QUICDuration(nanoseconds: o ? .max : v)
    }
    public static func / (lhs: QUICDuration, rhs: UInt64) -> QUICDuration { QUICDuration(nanoseconds: lhs.nanoseconds / rhs) }
    public var description: String { "\(milliseconds)ms" }
}
