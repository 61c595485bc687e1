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

    func testRelayBadMetricsAddressExitsTwo() throws {
        for address in ["localhost", "127.0.0.1:http", "127.0.0.1:99999", "[::1]"] {
            let r = try run("moq-relay", ["--listen", "127.0.0.1:0", "--metrics", address])
            XCTAssertEqual(r.status, 2, "--metrics \(address): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains("bad --metrics address"), r.stderr)
        }
    }

    /// `--ebpf` that cannot start (here: no BPF object; without root: missing capabilities) exits 1 with
    /// the reason; `--ebpf-ifaces` without `--ebpf` is bad usage. (scripts/tests/fastpath-plumbing.sh
    /// covers privileges, verifier logs and attachment as root.)
    func testRelayEBPFFailureExitsOne() throws {
        let r = try run("moq-relay", ["--listen", "127.0.0.1:0", "--ebpf", "--ebpf-object", "/nonexistent/fastpath.bpf.o"])
        XCTAssertEqual(r.status, 1, r.stderr)
        XCTAssertTrue(r.stderr.contains("--ebpf:"), r.stderr)
        let usage = try run("moq-relay", ["--listen", "127.0.0.1:0", "--ebpf-ifaces", "lo"])
        XCTAssertEqual(usage.status, 2, usage.stderr)
    }

    /// Authorisation flags: unusable token files and contradictory flags are bad usage, named.
    func testTokenFlagsBadUsageExitsTwo() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("cli-empty-\(UUID().uuidString).tokens")
        try Data("# comment only\n\n".utf8).write(to: empty)
        defer { try? FileManager.default.removeItem(at: empty) }
        let cases: [(String, [String], String)] = [
            ("moq-relay", ["--listen", "127.0.0.1:0", "--publish-token", "/nonexistent/pub.tokens"], "--publish-token"),
            ("moq-relay", ["--listen", "127.0.0.1:0", "--subscribe-token", empty.path], "no token"),
            ("moq-relay", ["--listen", "127.0.0.1:0", "--upstream-token", empty.path], "--upstream-token needs --upstream"),
            ("moq-sub", ["--token-file", "/nonexistent/t"], "--token-file"),
            ("moq-sub", ["--token", "a", "--token-file", empty.path], "exclude each other"),
            ("moq-pub", ["--token", "", "media/test.mp4"], "--token must not be empty"),
        ]
        for (tool, arguments, text) in cases {
            let r = try run(tool, arguments)
            XCTAssertEqual(r.status, 2, "\(tool) \(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(text), "\(tool) \(arguments): \(r.stderr)")
        }
    }
}
