import CFastPathABI
import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

/// The relay's pins under bpffs: one directory per process (`/sys/fs/bpf/moq-fastrelay/<pid>`) holding
/// the loaded programs and maps, so an operator (and the next start) can see what a running or crashed
/// relay left in the kernel. `removeStale()` deletes the directories of processes that no longer exist.
public enum FastPathPins {
    /// Where bpffs is expected.
    public static let bpffsMount = "/sys/fs/bpf"
    /// The parent of the per-process directories.
    public static let root = bpffsMount + "/moq-fastrelay"
    /// Mounts bpffs on `/sys/fs/bpf` when it is not there (e.g. inside `ip netns exec`, which mounts a
    /// fresh sysfs in a private mount namespace).
    public static func ensureBPFFS() throws {
        if fp_is_bpffs(bpffsMount) == 1 { return }
        _ = mkdir(bpffsMount, 0o700)
        let rc = fp_mount_bpffs(bpffsMount)
        guard rc == 0 else { throw FastPathError(.attachFailed, errno: -rc, "cannot mount bpffs on \(bpffsMount)") }
    }

    /// The directory of process `pid`.
    public static func directory(pid: pid_t = getpid()) -> String { "\(root)/\(pid)" }

    /// Pins every program and map of `object` under this process's directory; returns the directory.
    @discardableResult
    public static func pin(_ object: FastPathObject) throws -> String {
        try ensureBPFFS()
        _ = mkdir(root, 0o700)
        let dir = directory()
        removeDirectory(dir)  // a previous process with the same pid
        guard mkdir(dir, 0o700) == 0 || errno == EEXIST else {
            throw FastPathError(.attachFailed, errno: errno, "cannot create \(dir)")
        }
        for (program, fd) in object.programFDs {
            let rc = bpf_obj_pin(fd, "\(dir)/\(program.rawValue)")
            if rc != 0 { throw FastPathError(.attachFailed, errno: rc < 0 ? -rc : errno, "cannot pin \(program.rawValue) in \(dir)") }
        }
        for (map, fd) in object.mapFDs {
            let rc = bpf_obj_pin(fd, "\(dir)/\(map.rawValue)")
            if rc != 0 { throw FastPathError(.attachFailed, errno: rc < 0 ? -rc : errno, "cannot pin \(map.rawValue) in \(dir)") }
        }
        return dir
    }

    /// Removes this process's pins.
    public static func unpin() { removeDirectory(directory()) }

    /// Removes the pin directories of processes that no longer run; returns the pids they belonged to.
    @discardableResult
    public static func removeStale() -> [pid_t] {
        var removed: [pid_t] = []
        for name in entries(of: root) {
            guard let pid = pid_t(name), pid > 0 else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH { continue }
            removeDirectory("\(root)/\(name)")
            removed.append(pid)
        }
        return removed
    }

    /// The pid of a running process (other than this one) whose pin directory holds program `id`, or nil:
    /// that filter belongs to a live relay even if no fdinfo of it could be read.
    public static func livePinHolder(ofProgram id: UInt32) -> pid_t? {
        for name in entries(of: root) {
            guard let pid = pid_t(name), pid > 0, pid != getpid() else { continue }
            guard kill(pid, 0) == 0 || errno != ESRCH else { continue }
            for program in FastPathProgram.allCases {
                let fd = bpf_obj_get("\(root)/\(name)/\(program.rawValue)")
                guard fd >= 0 else { continue }
                defer { close(fd) }
                var info = bpf_prog_info()
                var length = UInt32(MemoryLayout<bpf_prog_info>.size)
                if bpf_obj_get_info_by_fd(fd, &info, &length) == 0, info.id == id { return pid }
            }
        }
        return nil
    }

    /// The file names in `path` (without `.` and `..`).
    static func entries(of path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    static func removeDirectory(_ path: String) {
        for name in entries(of: path) { unlink("\(path)/\(name)") }
        rmdir(path)
    }
}
