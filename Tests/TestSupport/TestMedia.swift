import Foundation
import XCTest

/// The test clips, generated on demand by media/make-test-media.sh (3 s variants) into
/// .build/test-media-3s, and small wrappers around the ffmpeg/ffprobe command-line tools.
public enum TestMedia {
    /// Length of the test clips: 3 GOPs of 30 frames.
    public static let seconds = 3
    /// Frames per test clip.
    public static let frameCount = 90

    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let directory = repositoryRoot.appendingPathComponent(".build/test-media-\(seconds)s")

    /// Every clip the script makes.
    public static let clips = ["test.mp4", "test-bframes.mp4", "test-audio.mp4", "test.mkv", "test-hevc.mp4"]

    private static let generation: Result<Void, Error> = Result { try makeTestMedia(["--duration", "\(seconds)", directory.path]) }

    /// Runs media/make-test-media.sh with `arguments`, throwing its stderr when it fails.
    private static func makeTestMedia(_ arguments: [String]) throws {
        let result = try run("/bin/bash", [repositoryRoot.appendingPathComponent("media/make-test-media.sh").path] + arguments)
        guard result.status == 0 else {
            throw NSError(domain: "TestMedia", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: "make-test-media.sh \(arguments.joined(separator: " ")) failed: \(result.stderr)"])
        }
    }

    /// The path of clip `name`, generating the clips first if needed.
    public static func clip(_ name: String) throws -> String {
        try generation.get()
        return directory.appendingPathComponent(name).path
    }

    /// The audio clips of `media/make-test-media.sh --audio` (6 s, H.264 beside AAC / Opus), made once into
    /// .build/test-media-audio (the folder scripts/tests/audio-sync.sh uses too).
    public static let audioDirectory = repositoryRoot.appendingPathComponent(".build/test-media-audio")
    private static let audioGeneration: Result<Void, Error> = Result { try makeTestMedia(["--audio", audioDirectory.path]) }

    /// The path of audio clip `name`, generating the audio clips first if needed.
    public static func audioClip(_ name: String) throws -> String {
        try audioGeneration.get()
        return audioDirectory.appendingPathComponent(name).path
    }

    /// A fresh temporary directory, removed by the test case's teardown.
    public static func temporaryDirectory(for test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("media-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    public struct ProcessResult {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// Runs a program; stdout and stderr go through files, so large outputs cannot block it.
    public static func run(_ executable: String, _ arguments: [String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/\(executable)")
        process.arguments = arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("proc-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return ProcessResult(status: process.terminationStatus,
                             stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                             stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    /// The md5 of every decoded frame of the first video stream, in output order
    /// (the last column of `ffmpeg -f framemd5`, header comments ignored).
    public static func videoFrameMD5s(_ path: String) throws -> [String] {
        let result = try run("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough",
                                        "-f", "framemd5", "-"])
        guard result.status == 0 else {
            throw NSError(domain: "TestMedia", code: Int(result.status),
                          userInfo: [NSLocalizedDescriptionKey: "ffmpeg framemd5 of \(path) failed: \(result.stderr)"])
        }
        return result.stdout.split(separator: "\n")
            .filter { !$0.hasPrefix("#") }
            .compactMap { $0.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// ffprobe's picture type of every decoded frame, in presentation order.
    public static func pictureTypesInPresentationOrder(_ path: String) throws -> [String] {
        let result = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts,pict_type",
                                         "-of", "compact=p=0:nk=1", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let pairs: [(Int, String)] = result.stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            guard fields.count >= 2, let pts = Int(fields[0]), !fields[1].isEmpty else { return nil }
            return (pts, String(fields[1]))
        }
        return pairs.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// Makes an audio-only file (AAC in MP4) in `directory`.
    public static func makeAudioOnlyFile(in directory: URL) throws -> String {
        let path = directory.appendingPathComponent("audio-only.m4a").path
        let result = try run("ffmpeg", ["-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1",
                                        "-c:a", "aac", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return path
    }
}
