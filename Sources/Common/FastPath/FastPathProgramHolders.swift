#if canImport(Glibc)
import Glibc
#endif

/// Finds the processes that hold a BPF program open, from `/proc/<pid>/fdinfo` (a BPF program's fdinfo
/// names its `prog_id`). A filter whose program no process holds was left by a run that died.
public enum FastPathProgramHolders {
    /// The pid of a live process (other than this one) holding program `id` open, or nil.
    public static func holder(of id: UInt32) -> pid_t? {
        let me = getpid()
        for name in FastPathPins.entries(of: "/proc") {
            guard let pid = pid_t(name), pid != me else { continue }
            let fdinfo = "/proc/\(name)/fdinfo"
            for fd in FastPathPins.entries(of: fdinfo) where programID(inFDInfo: "\(fdinfo)/\(fd)") == id {
                return pid
            }
        }
        return nil
    }

    /// The `prog_id` line of one fdinfo file, or nil.
    static func programID(inFDInfo path: String) -> UInt32? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            guard text.hasPrefix("prog_id:") else { continue }
            return UInt32(text.dropFirst("prog_id:".count).filter { $0.isNumber })
        }
        return nil
    }
}
