import XCTest
import Foundation
import TestSupport

/// Runs the built executables as a user would and checks the exit-code contract (DESIGN §4).
final class CLITests: XCTestCase {
    /// The folder holding the built products (next to the test bundle).
    static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    func run(_ tool: String, _ arguments: [String]) throws -> TestMedia.ProcessResult {
        try TestMedia.run(Self.productsDirectory.appendingPathComponent(tool).path, arguments)
    }

    let tools = ["moq-pub", "moq-relay", "moq-sub"]

    func testHelpExitsZero() throws {
        for tool in tools {
            let r = try run(tool, ["--help"])
            XCTAssertEqual(r.status, 0, "\(tool) --help")
            XCTAssertTrue(r.stdout.contains("USAGE") || r.stdout.contains("Usage"), "\(tool) --help prints usage")
            XCTAssertTrue(r.stdout.contains("--log-level"), "\(tool) --help lists --log-level")
        }
    }

    func testUnknownFlagExitsTwo() throws {
        for tool in tools {
            let r = try run(tool, ["--no-such-flag"])
            XCTAssertEqual(r.status, 2, "\(tool) --no-such-flag: \(r.stderr)")
            XCTAssertFalse(r.stderr.isEmpty)
        }
    }

    func testRelayNotImplementedExitsOne() throws {
        for flags in [["--ebpf"]] {
            let r = try run("moq-relay", ["--listen", "127.0.0.1:0"] + flags)
            XCTAssertEqual(r.status, 1, "\(flags)")
            XCTAssertTrue(r.stderr.contains("not implemented yet: \(flags[0].dropFirst(2))"), r.stderr)
        }
    }

    func testRelayBadMetricsAddressExitsTwo() throws {
        for address in ["localhost", "127.0.0.1:http", "127.0.0.1:99999", "[::1]"] {
            let r = try run("moq-relay", ["--listen", "127.0.0.1:0", "--metrics", address])
            XCTAssertEqual(r.status, 2, "--metrics \(address): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("bad --metrics address"), r.stderr)
        }
    }
}
