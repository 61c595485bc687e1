/// A failure of the kernel fast path: loading, attaching, map access or the ring buffer.
///
/// Errors compare equal on their code alone; `detail` carries the human-readable reason (for a load
/// failure, the verifier log).
public struct FastPathError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Code: Int, Sendable {
        /// The process lacks CAP_BPF/CAP_SYS_ADMIN or CAP_NET_ADMIN.
        case insufficientPrivileges = 1
        /// The BPF object file could not be found or opened.
        case objectNotFound
        /// The kernel (verifier) rejected the programs.
        case loadFailed
        /// The object lacks a map or program the ABI names, or its ABI version differs.
        case abiMismatch
        /// A network interface does not exist.
        case interfaceNotFound
        /// Creating the clsact hook or attaching/detaching a program failed.
        case attachFailed
        /// A map lookup, update, delete or mmap failed.
        case mapOperationFailed
        /// A map is full (an insertion failed with E2BIG).
        case mapFull
        /// Creating or polling the ring buffer failed.
        case ringBufferFailed
        /// BPF_PROG_TEST_RUN failed.
        case testRunFailed
        /// An argument is outside what the ABI can express (e.g. a CID longer than 20 bytes).
        case invalidArgument
    }

    /// What went wrong.
    public let code: Code
    /// The errno of the failing call, when there is one.
    public let errno: Int32
    /// A one-line reason (several lines for a verifier log).
    public let detail: String

    /// Creates an error.
    public init(_ code: Code, errno: Int32 = 0, _ detail: String) {
        self.code = code
        self.errno = errno
        self.detail = detail
    }

    /// The detail, with the errno's text when there is one.
    public var description: String {
        errno != 0 ? "\(detail) (\(String(cString: strerror(errno))), errno \(errno))" : detail
    }

    /// Errors are equal when their codes are.
    public static func == (lhs: FastPathError, rhs: FastPathError) -> Bool { lhs.code == rhs.code }
}

#if canImport(Glibc)
import Glibc
#endif
