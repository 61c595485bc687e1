/// Why a media operation failed. Each case carries what a one-line message needs.
public enum MediaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input path does not exist.
    case fileNotFound(String)
    /// libavformat could not open or probe the input (path, libav's reason).
    case cannotOpen(String, reason: String)
    /// The input has no video stream.
    case noVideoStream(String)
    /// The input's video codec is not one this project can packetize (codec name).
    case unsupportedCodec(String)
    /// Reading a packet failed in the middle of the input (libav's reason).
    case readFailed(String)
    /// The output could not be created or its header written (libav's reason).
    case cannotCreateOutput(String)
    /// Writing a frame or the trailer failed (libav's reason).
    case writeFailed(String)
    /// A frame handed to the muxer is unusable (e.g. empty, or out of decode order).
    case invalidFrame(String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "no such file: \(path)"
        case .cannotOpen(let path, let reason): return "cannot open \(path): \(reason)"
        case .noVideoStream(let path): return "no video stream in \(path)"
        case .unsupportedCodec(let name): return "unsupported video codec '\(name)' (supported: h264, hevc)"
        case .readFailed(let reason): return "read failed: \(reason)"
        case .cannotCreateOutput(let reason): return "cannot create output: \(reason)"
        case .writeFailed(let reason): return "write failed: \(reason)"
        case .invalidFrame(let reason): return "invalid frame: \(reason)"
        }
    }
}
