import CAVFormat

/// Small helpers around libav's C API shared by the demuxer and the muxer.
enum LibAV {
    /// The text of a libav error code, e.g. "No such file or directory".
    static func errorText(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        buffer.withUnsafeMutableBufferPointer { cav_strerror(code, $0.baseAddress, $0.count) }
        return String(cString: buffer)
    }

    /// Silences libav once per process: every failure reaches the caller as a `MediaError`, so the
    /// tools' one-line reasons are all that reaches stderr (see `LibAVLogging.setVerbose`).
    static let configureLogging: Void = {
        av_log_set_level(AV_LOG_QUIET)
    }()

    /// The microsecond time base.
    static let microseconds = AVRational(num: 1, den: 1_000_000)
}
