#if canImport(Glibc)
import Glibc
#endif

/// The capabilities the fast path needs: loading BPF programs (CAP_BPF, or CAP_SYS_ADMIN on older kernels)
/// and attaching them to network interfaces (CAP_NET_ADMIN).
public enum FastPathPrivileges {
    static let capNetAdmin = 12
    static let capSysAdmin = 21
    static let capPerfmon = 38
    static let capBPF = 39

    /// The effective capability mask of this process, from /proc/self/status.
    public static func effectiveCapabilities() -> UInt64? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            if text.hasPrefix("CapEff:") {
                let hex = text.dropFirst("CapEff:".count).trimmingCharacters(in: " \t\n")
                return UInt64(hex, radix: 16)
            }
        }
        return nil
    }

    /// Throws `insufficientPrivileges` with a clear reason unless the process may load and attach the
    /// fast path.
    public static func check() throws {
        guard let caps = effectiveCapabilities() else {
            throw FastPathError(.insufficientPrivileges, "cannot read the process capabilities from /proc/self/status")
        }
        func has(_ bit: Int) -> Bool { caps & (UInt64(1) << UInt64(bit)) != 0 }
        var missing: [String] = []
        if !(has(capBPF) || has(capSysAdmin)) { missing.append("CAP_BPF (or CAP_SYS_ADMIN)") }
        if !(has(capNetAdmin) || has(capSysAdmin)) { missing.append("CAP_NET_ADMIN") }
        if !missing.isEmpty {
            throw FastPathError(
                .insufficientPrivileges,
                "the eBPF fast path needs \(missing.joined(separator: " and ")); run as root or grant the capabilities (uid \(getuid()))"
            )
        }
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: String) -> String {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return String(s)
    }
}
