import CFastPathABI

/// The per-decision counters of `fp_counters`, summed over CPUs.
public struct FastPathCounters: Sendable, Equatable {
    /// One value per `enum fp_counter`.
    public let values: [UInt64]

    /// Wraps raw values.
    public init(values: [UInt64]) { self.values = values }

    /// The value of one counter.
    public subscript(_ counter: fp_counter) -> UInt64 {
        let i = Int(counter.rawValue)
        return i < values.count ? values[i] : 0
    }

    /// Packets seen by the upstream-ingress program.
    public var seen: UInt64 { self[FP_CNT_SEEN] }
    /// Packets passed up with no copy forwarded.
    public var passedUp: UInt64 { self[FP_CNT_PASSED] }
    /// Eligible media packets.
    public var media: UInt64 { self[FP_CNT_MEDIA] }
    /// Copies sent to subscribers.
    public var forwarded: UInt64 { self[FP_CNT_FORWARDED] }
    /// Copies dropped to keep budget for more important data.
    public var droppedByPriority: UInt64 { self[FP_CNT_DROP_PRIORITY] }
    /// Copies dropped because the budget was exhausted.
    public var droppedByBudget: UInt64 { self[FP_CNT_DROP_BUDGET] }
    /// Copies not sent for lack of flow-control credit.
    public var flowBlocked: UInt64 { self[FP_CNT_FLOW_BLOCKED] }
    /// Upstream packets the kernel does not handle.
    public var ineligible: UInt64 { self[FP_CNT_INELIGIBLE] }
    /// Streams handed to user space on a budget shortfall without recent loss.
    public var shortfallHandoffs: UInt64 { self[FP_CNT_SHORTFALL_HANDOFF] }
    /// Failed ring-buffer reservations.
    public var ringBufferFull: UInt64 { self[FP_CNT_RINGBUF_FULL] }
    /// Encrypted upstream packets opened (tag verified) and those that did not open (passed up).
    public var opened: UInt64 { self[FP_CNT_OPENED] }
    public var openFailed: UInt64 { self[FP_CNT_OPEN_FAILED] }
    /// Copies sealed with a subscriber's keys.
    public var sealed: UInt64 { self[FP_CNT_SEALED] }
    /// Copies handed to user space by the per-packet seal cap.
    public var sealCapped: UInt64 { self[FP_CNT_SEAL_CAP] }
    /// Failed map insertions.
    public var mapFull: UInt64 { self[FP_CNT_MAP_FULL] }

    /// Every counter by its lower-case name (`seen`, `passed`, `media`, `forwarded`, ...).
    public var byName: [String: UInt64] {
        let names = ["seen", "passed", "media", "forwarded", "drop_priority", "drop_budget", "flow_blocked", "skip_dropped",
                     "skip_midstream", "handoff", "ineligible", "foreign", "gso", "ringbuf_full", "map_full", "clone_failed",
                     "learned", "sub_mismatch", "shortfall_handoff", "learn_refused", "opened", "open_failed", "sealed",
                     "seal_failed", "seal_cap", "key_mismatch"]
        var result: [String: UInt64] = [:]
        for (i, v) in values.enumerated() { result[i < names.count ? names[i] : "counter_\(i)"] = v }
        return result
    }

    /// Differences from an earlier snapshot.
    public func since(_ earlier: FastPathCounters) -> FastPathCounters {
        FastPathCounters(values: zip(values, earlier.values).map { $0 &- $1 })
    }
}
