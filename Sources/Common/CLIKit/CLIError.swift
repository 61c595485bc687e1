/// A failure a command reports with a one-line reason and an exit code (DESIGN §4):
/// 1 = runtime failure, 2 = bad usage or input.
public struct CLIError: Error, CustomStringConvertible, Sendable {
    /// The process exit code.
    public let exitCode: Int32
    /// The one-line reason printed on stderr.
    public let message: String

    public init(exitCode: Int32, _ message: String) {
        self.exitCode = exitCode
        self.message = message
    }

    /// Bad usage or input (exit 2).
    public static func usage(_ message: String) -> CLIError { CLIError(exitCode: 2, message) }
    /// A runtime failure (exit 1).
    public static func runtime(_ message: String) -> CLIError { CLIError(exitCode: 1, message) }
    /// A feature that is not built yet (exit 1, never a fake success).
    public static func notImplemented(_ feature: String) -> CLIError { CLIError(exitCode: 1, "not implemented yet: \(feature)") }

    public var description: String { message }
}
