import Foundation

/// Finds `bpf/fastpath.bpf.o`, compiling it (the same way `make bpf` does) when it is missing or older
/// than its sources, so `swift test` works on a fresh clone.
enum BPFObjectLocator {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static let lock = NSLock()
    /// Where this process compiles objects; removed at exit.
    static let temporaryDirectory = NSTemporaryDirectory() + "moq-fastpath-test-\(getpid())"
    nonisolated(unsafe) private static var cleanupRegistered = false
    nonisolated(unsafe) private static var cached: Result<String, Error>?

    /// The path of an up-to-date fastpath.bpf.o.
    static func objectPath() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let cached { return try cached.get() }
        let result = Result { try locateOrBuild() }
        cached = result
        return try result.get()
    }

    private static func mtime(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    private static func locateOrBuild() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["FASTPATH_BPF_OBJECT"] { return explicit }
        let bpfDir = repositoryRoot.appendingPathComponent("bpf").path
        let source = bpfDir + "/fastpath.bpf.c"
        let header = bpfDir + "/fastpath_abi.h"
        let built = bpfDir + "/fastpath.bpf.o"
        let newestSource = [mtime(source), mtime(header)].compactMap { $0 }.max() ?? .distantFuture
        if let objectTime = mtime(built), objectTime >= newestSource { return built }

        return try compile(defines: [], name: "fastpath.bpf.o")
    }

    /// Compiles bpf/fastpath.bpf.c with extra `-D` defines into a per-process temporary directory.
    static func compile(defines: [String], name: String) throws -> String {
        let bpfDir = repositoryRoot.appendingPathComponent("bpf").path
        let source = bpfDir + "/fastpath.bpf.c"
        let outDir = temporaryDirectory
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        if !cleanupRegistered {
            cleanupRegistered = true
            atexit { try? FileManager.default.removeItem(atPath: BPFObjectLocator.temporaryDirectory) }
        }
        let output = outDir + "/" + name
        let clang = ProcessInfo.processInfo.environment["CLANG"] ?? "clang"
        let flags = defines.map { "-D\($0)" }.joined(separator: " ")
        let command = "\(clang) -O2 -g -target bpf -I/usr/include/$(gcc -dumpmachine) -I'\(bpfDir)' \(flags) -c '\(source)' -o '\(output)'"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        let log = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "BPFObjectLocator", code: Int(process.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "compiling \(source) failed: \(String(decoding: log, as: UTF8.self))",
            ])
        }
        return output
    }
}
