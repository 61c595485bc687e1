import CFastPathABI
import CLibBPF
import FastPath
import XCTest

/// Loading, sizing and attaching: the failures must be typed and say why.
final class FastPathLoaderTests: XCTestCase {
    override func setUpWithError() throws { try requireFastPathPrivileges() }

    func testVerifierRejectionCarriesTheVerifierLog() throws {
        let bad = try BPFObjectLocator.compile(defines: ["FP_TEST_VERIFIER_REJECT"], name: "fastpath-reject.bpf.o")
        XCTAssertThrowsError(try FastPathObject.load(path: bad)) { error in
            let e = error as? FastPathError
            XCTAssertEqual(e?.code, .loadFailed)
            XCTAssertTrue(e?.detail.contains("fp_subscriber_ingress") ?? false, e?.detail ?? "")
            XCTAssertTrue(e?.detail.contains("invalid access to packet") ?? false, "verifier log missing: \(e?.detail ?? "")")
        }
    }

    func testMissingObjectFileIsReported() {
        XCTAssertThrowsError(try FastPathObject.load(path: "/nonexistent/fastpath.bpf.o")) { error in
            XCTAssertEqual((error as? FastPathError)?.code, .objectNotFound)
        }
    }

    func testMapsAreSizedFromTheConfiguration() throws {
        var configuration = FastPathConfiguration()
        configuration.maxSubscribers = 12
        configuration.maxSubscriberStreams = 3000
        configuration.maxTracks = 33
        configuration.ringBufferBytes = 1 << 18
        let object = try FastPathObject.load(path: try BPFObjectLocator.objectPath(), configuration: configuration)
        func maxEntries(_ map: FastPathMap) throws -> UInt32 {
            var info = bpf_map_info()
            var length = UInt32(MemoryLayout<bpf_map_info>.size)
            XCTAssertEqual(bpf_obj_get_info_by_fd(object.fd(map), &info, &length), 0)
            return info.max_entries
        }
        XCTAssertEqual(try maxEntries(.subscribers), 12)
        XCTAssertEqual(try maxEntries(.shared), 12)
        XCTAssertEqual(try maxEntries(.learned), 12)
        XCTAssertEqual(try maxEntries(.subscriberStreams), 3000)
        XCTAssertEqual(try maxEntries(.tracks), 33)
        XCTAssertEqual(try maxEntries(.records), 1 << 18)
        XCTAssertEqual(try maxEntries(.counters), UInt32(FP_CNT__MAX.rawValue))
    }

    func testFullMapIsATypedError() throws {
        var configuration = FastPathConfiguration()
        configuration.maxLocalConnectionIDs = 2
        let object = try FastPathObject.load(path: try BPFObjectLocator.objectPath(), configuration: configuration)
        try object.setLocalConnectionID([1, 1, 1, 1], owner: .upstream(0))
        try object.setLocalConnectionID([2, 2, 2, 2], owner: .subscriber(0))
        XCTAssertThrowsError(try object.setLocalConnectionID([3, 3, 3, 3], owner: .subscriber(1))) { error in
            XCTAssertEqual((error as? FastPathError)?.code, .mapFull)
        }
        XCTAssertTrue(try object.removeLocalConnectionID([1, 1, 1, 1]))
        XCTAssertFalse(try object.removeLocalConnectionID([1, 1, 1, 1]))
        XCTAssertThrowsError(try object.setLocalConnectionID([UInt8](repeating: 0, count: 21), owner: .upstream(0))) { error in
            XCTAssertEqual((error as? FastPathError)?.code, .invalidArgument)
        }
    }

    func testAttachingToAMissingInterfaceIsReported() throws {
        let object = try FastPathObject.load(path: try BPFObjectLocator.objectPath())
        XCTAssertThrowsError(try TCAttachment(object: object, program: .upstreamIngress, interfaceName: "fpt-missing0")) { error in
            XCTAssertEqual((error as? FastPathError)?.code, .interfaceNotFound)
        }
    }
}
