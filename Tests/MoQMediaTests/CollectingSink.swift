import Media
import MoQMedia

/// A frame sink that keeps what it is given (and can refuse frames), for remuxer tests.
final class CollectingSink: FrameSink {
    var frames: [EncodedVideoFrame] = []
    var refuse: (EncodedVideoFrame) -> Bool = { _ in false }

    struct Refused: Error {}

    func write(_ frame: EncodedVideoFrame) throws {
        if refuse(frame) { throw Refused() }
        frames.append(frame)
    }
}
