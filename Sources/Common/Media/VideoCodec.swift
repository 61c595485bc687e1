/// The video codecs this project packetizes: those whose frame classes a libavcodec parser reports
/// and whose bitstream the MPEG-TS muxer accepts.
public enum VideoCodec: String, Equatable, Hashable, Sendable, Codable, CaseIterable {
    /// H.264 / AVC.
    case h264
    /// H.265 / HEVC.
    case hevc

    /// Whether a frame made of these NAL units may be referenced by later frames. A frame with no
    /// recognisable slice counts as a reference (the safe answer when dropping frames).
    func isReference(nalUnits: [ArraySlice<UInt8>]) -> Bool {
        var sawSlice = false
        for unit in nalUnits {
            guard let first = unit.first else { continue }
            switch self {
            case .h264:
                let type = first & 0x1f
                guard (1...5).contains(type) else { continue }
                sawSlice = true
                if (first >> 5) & 0x3 != 0 { return true }
            case .hevc:
                let type = (first >> 1) & 0x3f
                guard type < 32 else { continue }
                sawSlice = true
                // TRAIL_N, TSA_N, STSA_N, RADL_N, RASL_N and the reserved RSV_VCL_N10/12/14 are
                // sub-layer non-reference pictures; every other slice type is referenced.
                if !(type <= 14 && type % 2 == 0) { return true }
            }
        }
        return !sawSlice
    }
}
