/// How NAL units are delimited inside an encoded frame.
public enum NALUnitFormat: Equatable, Sendable {
    /// Start codes (00 00 01 / 00 00 00 01), as in MPEG-TS and raw streams.
    case annexB
    /// Each unit preceded by its big-endian length in 1, 2 or 4 bytes, as in MP4 and Matroska.
    case lengthPrefixed(Int)

    /// The format implied by a codec's extradata: an `avcC`/`hvcC` record means length-prefixed
    /// frames; anything else (empty, or Annex-B parameter sets) means start codes.
    public static func from(extradata: [UInt8], codec: VideoCodec) -> NALUnitFormat {
        guard extradata.first == 1 else { return .annexB }
        switch codec {
        case .h264 where extradata.count >= 7: return .lengthPrefixed(Int(extradata[4] & 0x3) + 1)
        case .hevc where extradata.count >= 23: return .lengthPrefixed(Int(extradata[21] & 0x3) + 1)
        default: return .annexB
        }
    }

    /// The NAL units of `data` (headers first, without length prefixes or start codes).
    /// Stops at the first inconsistency rather than reading out of bounds.
    public func units(in data: [UInt8]) -> [ArraySlice<UInt8>] {
        var units: [ArraySlice<UInt8>] = []
        switch self {
        case .lengthPrefixed(let size):
            var offset = 0
            while offset + size <= data.count {
                var length = 0
                for i in 0..<size { length = (length << 8) | Int(data[offset + i]) }
                offset += size
                guard length > 0, offset + length <= data.count else { break }
                units.append(data[offset..<offset + length])
                offset += length
            }
        case .annexB:
            var starts: [Int] = []  // index of the first byte after each start code
            var i = 0
            while i + 2 < data.count {
                if data[i] == 0, data[i + 1] == 0, data[i + 2] == 1 {
                    starts.append(i + 3)
                    i += 3
                } else {
                    i += 1
                }
            }
            for (n, start) in starts.enumerated() {
                var end = n + 1 < starts.count ? starts[n + 1] - 3 : data.count
                while end > start, data[end - 1] == 0 { end -= 1 }  // trailing zeros belong to the next start code
                if end > start { units.append(data[start..<end]) }
            }
        }
        return units
    }
}
