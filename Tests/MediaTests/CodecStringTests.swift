import XCTest
@testable import Media

final class CodecStringTests: XCTestCase {
    func testH264FromAVCCAndFromSPS() {
        let avcC: [UInt8] = [1, 0x64, 0x00, 0x1f, 0xff, 0xe1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1f]
        XCTAssertEqual(CodecString.make(codec: .h264, extradata: avcC), "avc1.64001f")
        let annexB: [UInt8] = [0, 0, 0, 1, 0x67, 0x4d, 0x40, 0x28, 0xab, 0, 0, 1, 0x68, 0xce]
        XCTAssertEqual(CodecString.make(codec: .h264, extradata: annexB), "avc1.4d4028")
        XCTAssertEqual(CodecString.make(codec: .h264, extradata: []), "avc1")
        XCTAssertEqual(CodecString.make(codec: .h264, extradata: [1, 0x64]), "avc1", "short record")
    }

    func testHEVCFromHVCC() {
        // Main profile, compatibility flags 0x60000000, constraint 0x90, level 93 (3.1), main tier.
        var hvcC: [UInt8] = [1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93]
        hvcC += [UInt8](repeating: 0, count: 10)
        XCTAssertEqual(CodecString.make(codec: .hevc, extradata: hvcC), "hvc1.1.6.L93.90")
        hvcC[1] = 0x22  // tier high, profile 2
        XCTAssertEqual(CodecString.make(codec: .hevc, extradata: hvcC), "hvc1.2.6.H93.90")
        XCTAssertEqual(CodecString.make(codec: .hevc, extradata: []), "hev1")
    }

    func testEmulationPreventionRemoval() {
        XCTAssertEqual(CodecString.removingEmulationPrevention([0, 0, 3, 1, 0, 0, 3, 0, 5]), [0, 0, 1, 0, 0, 0, 5])
    }

    func testNALUnitSplitting() {
        let annexB: [UInt8] = [0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3, 0, 0, 0, 1, 0x65, 4, 5]
        XCTAssertEqual(NALUnitFormat.annexB.units(in: annexB).map(Array.init), [[0x67, 1, 2], [0x68, 3], [0x65, 4, 5]])
        let prefixed: [UInt8] = [0, 0, 0, 2, 0x41, 9, 0, 0, 0, 1, 0x06]
        XCTAssertEqual(NALUnitFormat.lengthPrefixed(4).units(in: prefixed).map(Array.init), [[0x41, 9], [0x06]])
        // A length running past the end stops the scan instead of reading out of bounds.
        XCTAssertEqual(NALUnitFormat.lengthPrefixed(4).units(in: [0, 0, 0, 9, 0x41]).count, 0)
        XCTAssertEqual(NALUnitFormat.lengthPrefixed(2).units(in: [0, 1, 0x41, 0]).count, 1)
    }

    func testReferenceFromNALHeaders() {
        XCTAssertFalse(VideoCodec.h264.isReference(nalUnits: [[0x01, 0]]), "nal_ref_idc 0 slice")
        XCTAssertTrue(VideoCodec.h264.isReference(nalUnits: [[0x21, 0]]), "nal_ref_idc 1 slice")
        XCTAssertTrue(VideoCodec.h264.isReference(nalUnits: [[0x65, 0]]), "IDR")
        XCTAssertTrue(VideoCodec.h264.isReference(nalUnits: [[0x06, 0]]), "no slice: assume referenced")
        XCTAssertFalse(VideoCodec.hevc.isReference(nalUnits: [[0x00, 1]]), "TRAIL_N")
        XCTAssertTrue(VideoCodec.hevc.isReference(nalUnits: [[0x02, 1]]), "TRAIL_R")
        XCTAssertTrue(VideoCodec.hevc.isReference(nalUnits: [[19 << 1, 1]]), "IDR_W_RADL")
        XCTAssertTrue(VideoCodec.hevc.isReference(nalUnits: [[]]))
    }
}
