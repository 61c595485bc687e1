import CAVFormat

/// libav's own diagnostics (on stderr). Off by default; tools turn them on at debug log level.
public enum LibAVLogging {
    /// Shows libav's warnings and errors (`true`) or nothing (`false`, the default).
    public static func setVerbose(_ verbose: Bool) {
        _ = LibAV.configureLogging
        av_log_set_level(verbose ? AV_LOG_WARNING : AV_LOG_QUIET)
    }
}
