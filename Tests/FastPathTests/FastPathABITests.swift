import CFastPathABI
import FastPath
import XCTest

/// Swift must see the layout the shared header defines (one header, no hand-copied structs).
final class FastPathABITests: XCTestCase {
    func testRecordLayout() {
        XCTAssertEqual(MemoryLayout<fp_record>.size, 80)
        XCTAssertEqual(MemoryLayout<fp_record>.offset(of: \fp_record.packet_number), 16)
        XCTAssertEqual(MemoryLayout<fp_record>.offset(of: \fp_record.send_time_ns), 24)
        XCTAssertEqual(MemoryLayout<fp_record>.offset(of: \fp_record.stream_id), 32)
        XCTAssertEqual(MemoryLayout<fp_record>.offset(of: \fp_record.final_size), 56)
        XCTAssertEqual(MemoryLayout<fp_record>.offset(of: \fp_record.length), 64)
        XCTAssertEqual(MemoryLayout<fp_record>.offset(of: \fp_record.flags), 76)
        XCTAssertEqual(MemoryLayout<fp_record>.offset(of: \fp_record.priority), 79)
    }

    func testSharedAndMapValueLayouts() {
        XCTAssertEqual(MemoryLayout<fp_shared>.size, 128)
        XCTAssertEqual(MemoryLayout<fp_shared>.offset(of: \fp_shared.log_read), 104)
        XCTAssertEqual(MemoryLayout<fp_sent_entry>.size, 64)
        XCTAssertEqual(MemoryLayout<fp_sent_entry>.offset(of: \fp_sent_entry.packet_number), 0)
        XCTAssertEqual(MemoryLayout<fp_sent_entry>.offset(of: \fp_sent_entry.connection_id), 56)
        XCTAssertEqual(MemoryLayout<fp_shared>.offset(of: \fp_shared.budget), 16)
        XCTAssertEqual(MemoryLayout<fp_shared>.offset(of: \fp_shared.streams_credit), 32)
        XCTAssertEqual(MemoryLayout<fp_config>.size, 16)
        XCTAssertEqual(MemoryLayout<fp_endpoint_pair>.size, 40)
        XCTAssertEqual(MemoryLayout<fp_subscriber>.size, 120)
        XCTAssertEqual(MemoryLayout<fp_subscriber>.offset(of: \fp_subscriber.path), 52)
        XCTAssertEqual(MemoryLayout<fp_subscriber>.offset(of: \fp_subscriber.uni_stream_base), 96)
        XCTAssertEqual(MemoryLayout<fp_track>.size, 16 + Int(FP_MAX_FANOUT) * 16)
        XCTAssertEqual(MemoryLayout<fp_sub_stream>.size, 32)
        XCTAssertEqual(MemoryLayout<fp_sub_stream_key>.size, 16)
        XCTAssertEqual(MemoryLayout<fp_learned>.size, 72)
        XCTAssertEqual(MemoryLayout<fp_stream>.size, 24)
        XCTAssertEqual(MemoryLayout<fp_cid_key>.size, Int(FP_MAX_CID_LEN))
        XCTAssertEqual(MemoryLayout<fp_config>.offset(of: \fp_config.max_sealed_copies), 12)
        XCTAssertEqual(MemoryLayout<fp_upstream>.offset(of: \fp_upstream.key_slot), 4)
        XCTAssertEqual(MemoryLayout<fp_subscriber>.offset(of: \fp_subscriber.key_slot), 92)
        XCTAssertEqual(MemoryLayout<fp_shared>.offset(of: \fp_shared.sealed_packets), 120)
    }

    func testKeyMapLayouts() {
        // struct fp_quic_key is fp_crypto.h's struct fpc_key (80 bytes, FastPathCryptoKey.bytes).
        XCTAssertEqual(MemoryLayout<fp_quic_key>.size, FastPathCryptoKey.byteCount)
        XCTAssertEqual(MemoryLayout<fp_quic_key>.offset(of: \fp_quic_key.hp), 32)
        XCTAssertEqual(MemoryLayout<fp_quic_key>.offset(of: \fp_quic_key.iv), 64)
        XCTAssertEqual(MemoryLayout<fp_key_set>.size, 176)
        XCTAssertEqual(MemoryLayout<fp_key_set>.offset(of: \fp_key_set.largest_pn), 8)
        XCTAssertEqual(MemoryLayout<fp_key_set>.offset(of: \fp_key_set.phase), 16)
    }

    func testVersionAndConstants() {
        XCTAssertEqual(fp_abi_version(), UInt32(FP_ABI_VERSION))
        XCTAssertEqual(FP_CLEARTEXT_TAG_LEN, 0)
        XCTAssertEqual(FP_PN_LEN, 4)
        XCTAssertEqual(FP_CNT__MAX.rawValue, 26)
        XCTAssertEqual(FP_AEAD_TAG_LEN, 16)
        XCTAssertEqual(FP_REASON_SEAL_CAP.rawValue, 9)
        XCTAssertEqual(FP_REASON_KEYS.rawValue, 10)
    }

    func testPrivilegeCheckAgreesWithCapabilities() throws {
        // Root in CI: the check passes; elsewhere it must throw the typed error, never crash.
        if getuid() == 0 {
            XCTAssertNoThrow(try FastPathPrivileges.check())
        } else {
            XCTAssertThrowsError(try FastPathPrivileges.check()) { error in
                XCTAssertEqual((error as? FastPathError)?.code, .insufficientPrivileges)
            }
        }
        XCTAssertNotNil(FastPathPrivileges.effectiveCapabilities())
    }
}
