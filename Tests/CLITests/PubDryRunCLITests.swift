import XCTest
import TestSupport
import Foundation

/// moq-pub and moq-sub as a user runs them: dry runs, unusable inputs, help, and the exit-code
/// contract (0 success, 1 runtime failure, 2 bad usage or input).
final class PubDryRunCLITests: XCTestCase {
    typealias Result = TestMedia.ProcessResult

    /// The folder holding the built products (next to the test bundle), as CLITests finds it.
    static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The 3 s test clips (the same folder the media tests use).
    static let mediaDirectory = repositoryRoot.appendingPathComponent(".build/test-media-3s")

    private static let generation: Swift.Result<Void, Error> = Swift.Result {
        let r = try runProcess(URL(fileURLWithPath: "/bin/bash"),
                               [repositoryRoot.appendingPathComponent("media/make-test-media.sh").path,
                                "--duration", "3", mediaDirectory.path])
        guard r.status == 0 else { throw NSError(domain: "make-test-media.sh", code: Int(r.status)) }
    }

    func clip(_ name: String) throws -> String {
        try Self.generation.get()
        return Self.mediaDirectory.appendingPathComponent(name).path
    }

    static func runProcess(_ executable: URL, _ arguments: [String]) throws -> Result {
        try TestMedia.run(executable.path, arguments)
    }

    func run(_ tool: String, _ arguments: [String]) throws -> Result {
        try Self.runProcess(Self.productsDirectory.appendingPathComponent(tool), arguments)
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cli-media-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func assertOneLineError(_ r: Result, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        let lines = r.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one-line reason: \(r.stderr)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(text), "stderr: \(r.stderr)", file: file, line: line)
    }

    // MARK: - Dry run

    func testDryRunPrintsEveryGroupAndASummary() throws {
        let r = try run("moq-pub", ["--dry-run", try clip("test.mp4")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        for group in 0..<3 {
            XCTAssertTrue(lines.contains { $0.hasPrefix("group \(group): 30 objects (I 1, P 29, B 0)") }, r.stdout)
        }
        XCTAssertEqual(lines.filter { $0.hasPrefix("  object ") }.count, 90)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  object 0 I key priority 1 size ") && $0.contains(" pts 0 dts 0 ") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("  object 1 P") && $0.contains("priority 2") && $0.contains("needs object 0") })
        XCTAssertTrue(lines.first?.contains("640x360") ?? false, r.stdout)
        XCTAssertTrue(lines.first?.contains("avc1.64") ?? false, r.stdout)
        XCTAssertTrue(lines.last?.hasPrefix("summary: 3 groups, 90 objects (I 3, P 87, B 0)") ?? false, r.stdout)
        XCTAssertEqual(r.stderr, "")
    }

    func testDryRunWithBFramesAndCustomPriorities() throws {
        let r = try run("moq-pub", ["--dry-run", "--priority-i", "10", "--priority-p", "20", "--priority-b", "200",
                                    "--namespace", "live", "--track", "cam", try clip("test-bframes.mp4")])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("track live/cam, priorities I=10 P=20 B=200"), r.stdout)
        let bLines = r.stdout.split(separator: "\n").filter { $0.contains(" B ") && $0.hasPrefix("  object") }
        XCTAssertGreaterThan(bLines.count, 40)
        XCTAssertTrue(bLines.allSatisfy { $0.contains("priority 200") })
        XCTAssertTrue(r.stdout.contains("summary: 3 groups, 90 objects"), r.stdout)
    }

    func testDryRunReadsMatroskaAndHEVC() throws {
        for name in ["test.mkv", "test-hevc.mp4", "test-audio.mp4"] {
            let r = try run("moq-pub", ["--dry-run", try clip(name)])
            XCTAssertEqual(r.status, 0, "\(name): \(r.stderr)")
            XCTAssertTrue(r.stdout.contains("summary: 3 groups, 90 objects"), name)
        }
    }

    // MARK: - Unusable input: exit 2

    func testMissingFileExitsTwo() throws {
        for arguments in [["--dry-run"], []] {
            let r = try run("moq-pub", arguments + ["/nonexistent/clip.mp4"])
            XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)")
            assertOneLineError(r, contains: "no such file: /nonexistent/clip.mp4")
            XCTAssertEqual(r.stdout, "")
        }
    }

    func testFileWithoutVideoExitsTwo() throws {
        let dir = try temporaryDirectory()
        let audio = dir.appendingPathComponent("audio.m4a").path
        let made = try Self.runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"),
                                       ["-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                                        "-c:a", "aac", audio])
        XCTAssertEqual(made.status, 0, made.stderr)
        for arguments in [["--dry-run"], []] {
            let r = try run("moq-pub", arguments + [audio])
            XCTAssertEqual(r.status, 2, r.stderr)
            assertOneLineError(r, contains: "no video stream")
        }
    }

    func testUnsupportedCodecAndNonMediaExitTwo() throws {
        let dir = try temporaryDirectory()
        let mpeg4 = dir.appendingPathComponent("mpeg4.mkv").path
        let made = try Self.runProcess(URL(fileURLWithPath: "/usr/bin/ffmpeg"),
                                       ["-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i",
                                        "testsrc2=size=160x90:rate=10:duration=0.5", "-c:v", "mpeg4", mpeg4])
        XCTAssertEqual(made.status, 0, made.stderr)
        var r = try run("moq-pub", ["--dry-run", mpeg4])
        XCTAssertEqual(r.status, 2, r.stderr)
        assertOneLineError(r, contains: "unsupported video codec 'mpeg4'")

        let text = dir.appendingPathComponent("readme.mp4")
        try Data("hello".utf8).write(to: text)
        r = try run("moq-pub", ["--dry-run", text.path])
        XCTAssertEqual(r.status, 2, r.stderr)
        assertOneLineError(r, contains: "cannot open")
    }

    // MARK: - Network failures: exit 1 with one line, after validating input

    /// A port on loopback where nobody listens (bound, then closed).
    func unusedUDPPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    func testPublishingToAMissingRelayFailsWithOneLine() throws {
        let port = try unusedUDPPort()
        let r = try run("moq-pub", ["--relay", "moqt://127.0.0.1:\(port)", "--insecure", try clip("test.mp4")])
        XCTAssertEqual(r.status, 1, r.stderr)
        assertOneLineError(r, contains: "timed out")
    }

    func testSubscribingToAMissingRelayFailsWithOneLine() throws {
        let port = try unusedUDPPort()
        let r = try run("moq-sub", ["--relay", "moqt://127.0.0.1:\(port)", "--insecure", "--out", "-", "--duration", "2"])
        XCTAssertEqual(r.status, 1, r.stderr)
        assertOneLineError(r, contains: "timed out")
        XCTAssertEqual(r.stdout, "")
    }

    // MARK: - Usage

    func testHelpListsTheContractFlags() throws {
        let pub = try run("moq-pub", ["--help"])
        XCTAssertEqual(pub.status, 0)
        for flag in ["--relay", "--listen", "--cert", "--key", "--namespace", "--track", "--loop", "--no-pacing",
                     "--allow-cleartext", "--insecure", "--no-wait", "--stream-per-frame", "--stream-per-group", "--priority-i", "--priority-p",
                     "--priority-b", "--dry-run", "--log-level", "Examples:"] {
            XCTAssertTrue(pub.stdout.contains(flag), "moq-pub --help lacks \(flag)")
        }
        let sub = try run("moq-sub", ["--help"])
        XCTAssertEqual(sub.status, 0)
        for flag in ["--relay", "--namespace", "--track", "--out", "--report", "--duration", "--allow-cleartext",
                     "--insecure", "--log-level", "Examples:"] {
            XCTAssertTrue(sub.stdout.contains(flag), "moq-sub --help lacks \(flag)")
        }
    }

    func testBadUsageExitsTwo() throws {
        let file = try clip("test.mp4")
        let cases: [(String, [String])] = [
            ("moq-pub", []),
            ("moq-pub", ["--relay", "moqt://a:1", "--listen", "0.0.0.0:4443", file]),
            ("moq-pub", ["--cert", "c.pem", "--listen", "0.0.0.0:4443", file]),
            ("moq-pub", ["--cert", "c.pem", "--key", "k.pem", file]),
            ("moq-pub", ["--relay", "http://example.com", file]),
            ("moq-pub", ["--priority-i", "256", file]),
            ("moq-pub", ["--stream-per-frame", "--stream-per-group", file]),
            ("moq-pub", ["--priority-b", "-1", file]),
            ("moq-pub", ["--log-level", "loud", "--dry-run", file]),
            ("moq-sub", ["--relay", "localhost"]),
            ("moq-sub", ["--duration", "0"]),
            ("moq-sub", ["--duration", "soon"]),
            ("moq-sub", ["--out", ""]),
        ]
        for (tool, arguments) in cases {
            let r = try run(tool, arguments)
            XCTAssertEqual(r.status, 2, "\(tool) \(arguments): \(r.stderr)")
            XCTAssertFalse(r.stderr.isEmpty, "\(tool) \(arguments)")
        }
    }
}
