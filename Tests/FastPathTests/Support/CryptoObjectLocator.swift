import FastPath
import Foundation
import XCTest

/// Finds `bpf/crypto_test.bpf.o`, compiling it (as `make bpf` does) when it is missing or older than
/// bpf/crypto_test.bpf.c or bpf/fp_crypto.h, and loads it once per test process.
enum CryptoObjectLocator {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var cached: Result<FastPathCryptoTestProgram, Error>?

    private static func mtime(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    /// The path of an up-to-date crypto_test.bpf.o.
    static func objectPath() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["FASTPATH_CRYPTO_BPF_OBJECT"] { return explicit }
        let bpfDir = BPFObjectLocator.repositoryRoot.appendingPathComponent("bpf").path
        let sources = [bpfDir + "/crypto_test.bpf.c", bpfDir + "/fp_crypto.h"]
        let built = bpfDir + "/" + FastPathCryptoTestProgram.objectName
        let newestSource = sources.compactMap(mtime).max() ?? .distantFuture
        if let objectTime = mtime(built), objectTime >= newestSource { return built }

        let outDir = BPFObjectLocator.temporaryDirectory
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let output = outDir + "/" + FastPathCryptoTestProgram.objectName
        let clang = ProcessInfo.processInfo.environment["CLANG"] ?? "clang"
        let command = "\(clang) -O2 -g -target bpf -I/usr/include/$(gcc -dumpmachine) -I'\(bpfDir)' -c '\(sources[0])' -o '\(output)'"
        try Shell.run(command) // throws with the compiler's output on failure
        return output
    }

    /// crypto_test.bpf.c compiled with extra `-D` defines into this process's temporary directory.
    static func compile(defines: [String], name: String) throws -> String {
        let bpfDir = BPFObjectLocator.repositoryRoot.appendingPathComponent("bpf").path
        let outDir = BPFObjectLocator.temporaryDirectory
        try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        let output = outDir + "/" + name
        let clang = ProcessInfo.processInfo.environment["CLANG"] ?? "clang"
        let flags = defines.map { "-D\($0)" }.joined(separator: " ")
        try Shell.run("\(clang) -O2 -g -target bpf -I/usr/include/$(gcc -dumpmachine) -I'\(bpfDir)' \(flags) -c '\(bpfDir)/crypto_test.bpf.c' -o '\(output)'")
        return output
    }

    /// The loaded harness, shared by the tests of this process (the kernel keeps one program).
    /// Fails the calling test loudly when the process cannot load BPF programs.
    static func program(file: StaticString = #filePath, line: UInt = #line) throws -> FastPathCryptoTestProgram {
        try requireFastPathPrivileges(file: file, line: line)
        lock.lock()
        defer { lock.unlock() }
        if let cached { return try cached.get() }
        let result = Result { try FastPathCryptoTestProgram.load(path: try objectPath()) }
        cached = result
        return try result.get()
    }
}
