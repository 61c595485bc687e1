import CFastPathABI

/// The program flags in `fp_config`.
public struct FastPathFlags: OptionSet, Sendable {
    /// The `enum fp_config_flags` bits.
    public let rawValue: UInt32
    /// Wraps raw bits.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The programs act; without it they pass everything up untouched.
    public static let enabled = FastPathFlags(rawValue: FP_CFG_ENABLED.rawValue)
    /// Tests only: leave the last subscriber's rewrite in the packet (visible in BPF_PROG_TEST_RUN's output).
    public static let keepLastRewrite = FastPathFlags(rawValue: FP_CFG_KEEP_LAST_REWRITE.rawValue)
    /// Tests only: rewrite and account, but do not clone.
    public static let noClone = FastPathFlags(rawValue: FP_CFG_NO_CLONE.rawValue)
    /// Sent packets go to each subscriber's sent log (`FastPathSentLog`) instead of one ring-buffer
    /// record each.
    public static let sentLog = FastPathFlags(rawValue: FP_CFG_SENT_LOG.rawValue)
}
