/// RFC 6381 codec strings ("avc1.64001f", "hvc1.1.6.L93.b0") derived from a codec's extradata.
public enum CodecString {
    /// The codec string for `codec` with the given extradata (an `avcC`/`hvcC` record or Annex-B
    /// parameter sets). Falls back to the bare sample-entry name when the profile cannot be read.
    public static func make(codec: VideoCodec, extradata: [UInt8]) -> String {
        switch codec {
        case .h264: return h264(extradata) ?? "avc1"
        case .hevc: return hevc(extradata) ?? (extradata.first == 1 ? "hvc1" : "hev1")
        }
    }

    /// "avc1.PPCCLL": profile_idc, constraint flags and level_idc, from avcC or from an SPS.
    static func h264(_ extradata: [UInt8]) -> String? {
        var ptl: ArraySlice<UInt8>
        if extradata.first == 1 {
            guard extradata.count >= 4 else { return nil }
            ptl = extradata[1..<4]
        } else {
            guard let sps = NALUnitFormat.annexB.units(in: extradata).first(where: { ($0.first ?? 0) & 0x1f == 7 }),
                  sps.count >= 4 else { return nil }
            ptl = sps.dropFirst().prefix(3)
        }
        return "avc1." + ptl.map { hex($0) }.joined()
    }

    /// "hvc1.<space><profile>.<compat reversed>.<tier><level>[.<constraint bytes>]" (ISO/IEC 14496-15 E.3),
    /// from hvcC or from an SPS's profile_tier_level.
    static func hevc(_ extradata: [UInt8]) -> String? {
        let ptl: [UInt8]  // 12 bytes: space/tier/profile, 4 compatibility, 6 constraint, level
        let prefix: String
        if extradata.first == 1 {
            guard extradata.count >= 13 else { return nil }
            ptl = Array(extradata[1..<13])
            prefix = "hvc1"
        } else {
            guard let sps = NALUnitFormat.annexB.units(in: extradata).first(where: { (($0.first ?? 0) >> 1) & 0x3f == 33 })
            else { return nil }
            let rbsp = removingEmulationPrevention(Array(sps))
            guard rbsp.count >= 15 else { return nil }
            ptl = Array(rbsp[3..<15])  // after the 2-byte NAL header and the vps id / sub-layer byte
            prefix = "hev1"
        }
        let space = ["", "A", "B", "C"][Int(ptl[0] >> 6)]
        let tier = (ptl[0] >> 5) & 1 == 1 ? "H" : "L"
        let profile = ptl[0] & 0x1f
        var compat: UInt32 = 0
        for i in 1...4 { compat = (compat << 8) | UInt32(ptl[i]) }
        var reversed: UInt32 = 0
        for bit in 0..<32 where compat & (1 << bit) != 0 { reversed |= 1 << (31 - bit) }
        var constraints = Array(ptl[5..<11])
        while constraints.last == 0 { constraints.removeLast() }
        var text = "\(prefix).\(space)\(profile).\(String(reversed, radix: 16)).\(tier)\(ptl[11])"
        for byte in constraints { text += "." + String(byte, radix: 16) }
        return text
    }

    static func removingEmulationPrevention(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var zeros = 0
        for byte in bytes {
            if zeros >= 2 && byte == 3 { zeros = 0; continue }
            zeros = byte == 0 ? zeros + 1 : 0
            out.append(byte)
        }
        return out
    }

    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xf)]])
    }
}
