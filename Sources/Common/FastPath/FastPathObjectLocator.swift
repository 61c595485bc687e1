#if canImport(Glibc)
import Glibc
#endif

/// Where a tool finds `fastpath.bpf.o` at run time (`make bpf` builds it into `bpf/`).
public enum FastPathObjectLocator {
    /// The environment variable that names the object explicitly.
    public static let environmentVariable = "MOQ_FASTPATH_BPF_OBJECT"

    /// Candidate paths, in order: `$MOQ_FASTPATH_BPF_OBJECT`; next to the executable; `bpf/` two and
    /// three levels above the executable (SwiftPM's `.build/<config>/` and `.build/<triple>/<config>/`);
    /// `bpf/` in the working directory.
    public static func candidates() -> [String] {
        var paths: [String] = []
        if let explicit = getenv(environmentVariable) { paths.append(String(cString: explicit)) }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if n > 0 {
            let exe = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var dir = String(exe[..<(exe.lastIndex(of: "/") ?? exe.endIndex)])
            paths.append(dir + "/fastpath.bpf.o")
            for _ in 0..<3 {
                dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
                paths.append(dir + "/bpf/fastpath.bpf.o")
            }
        }
        paths.append("bpf/fastpath.bpf.o")
        return paths
    }

    /// The first readable candidate, or nil.
    public static func locate() -> String? {
        candidates().first { access($0, R_OK) == 0 }
    }
}
