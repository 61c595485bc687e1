import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

/// Collects libbpf's messages (including the verifier log) through `libbpf_set_print`, so a load
/// failure can report why the kernel rejected a program.
enum LibBPFLog {
    private static let lock = PThreadMutex()
    nonisolated(unsafe) private static var buffer = ""
    nonisolated(unsafe) private static var installed = false

    /// Installs the print callback once.
    static func install() {
        lock.withLock {
            guard !installed else { return }
            installed = true
            _ = libbpf_set_print { level, format, args in
                guard let format, let args else { return 0 }
                var text = [CChar](repeating: 0, count: 4096)
                let written = vsnprintf(&text, text.count, format, args)
                guard written > 0 else { return 0 }
                LibBPFLog.append(String(cString: text), level: level)
                return 0
            }
        }
    }

    private static func append(_ line: String, level: libbpf_print_level) {
        lock.withLock {
            // Debug chatter is dropped; warnings and info carry the verifier log.
            if level == LIBBPF_DEBUG { return }
            buffer += line
            if buffer.count > 1 << 20 { buffer = String(buffer.suffix(1 << 19)) }
        }
    }

    /// Returns and clears what was collected.
    static func take() -> String {
        lock.withLock {
            defer { buffer = "" }
            return buffer
        }
    }
}
