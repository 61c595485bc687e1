import Foundation

/// The entry point of a harness built without libFuzzer (an ordinary `swift build`): it runs the
/// harness once on every file named on the command line (directories are walked), so crashes and
/// corpora can be replayed under a debugger, and `--write-seeds DIR` writes the harness's seed
/// inputs, made with the real encoders.
public enum FuzzReplay {
    /// Runs `harness` per the command line; `seeds` supplies named seed inputs.
    public static func main(name: String, harness: ([UInt8]) -> Void, seeds: () -> [(String, [UInt8])]) {
        var args = Array(CommandLine.arguments.dropFirst())
        if args.first == "--write-seeds" {
            guard args.count == 2 else { usage(name) }
            let dir = URL(fileURLWithPath: args[1])
            try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let all = seeds()
            for (file, bytes) in all {
                harness(bytes)
                do { try Data(bytes).write(to: dir.appendingPathComponent(file)) } catch {
                    print("\(name): cannot write \(file): \(error)"); exit(1)
                }
            }
            print("\(name): wrote \(all.count) seeds to \(dir.path)")
            return
        }
        if args.isEmpty || args.first == "-h" || args.first == "--help" { usage(name) }
        var files: [String] = []
        while let a = args.first {
            args.removeFirst()
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: a, isDirectory: &isDir) else { print("\(name): no such file \(a)"); exit(2) }
            if isDir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: a)) ?? []
                files += names.sorted().map { a + "/" + $0 }
            } else {
                files.append(a)
            }
        }
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else { continue }
            harness(Array(data))
        }
        print("\(name): ran \(files.count) inputs without a finding")
    }

    private static func usage(_ name: String) -> Never {
        print("usage: \(name) FILE|DIR...   (replay inputs)\n       \(name) --write-seeds DIR")
        exit(2)
    }
}
