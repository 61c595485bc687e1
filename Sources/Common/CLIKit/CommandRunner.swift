import ArgumentParser
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Writes a line to stderr (unbuffered, concurrency-safe).
public func printError(_ line: String) {
    let text = line.hasSuffix("\n") ? line : line + "\n"
    var bytes = Array(text.utf8)
    bytes.withUnsafeMutableBytes { buf in
        var off = 0
        while off < buf.count {
            let n = write(2, buf.baseAddress! + off, buf.count - off)
            if n <= 0 { break }
            off += n
        }
    }
}

/// Prints a line to stdout and flushes it, so scripts waiting on it see it at once.
public func printLine(_ line: String) {
    print(line)
    fflush(nil)
}

/// Runs an async command with the project's exit-code contract: `--help` and success exit 0,
/// bad usage exits 2 (not ArgumentParser's 64), `CLIError` exits with its own code,
/// any other error exits 1. The reason goes to stderr on one line.
public func runCommand<C: AsyncParsableCommand>(_ type: C.Type, arguments: [String]? = nil) async -> Never {
    var command: C
    do {
        guard let parsed = try C.parseAsRoot(arguments) as? C else {
            // A subcommand or help request that parsed into another type.
            printLine(C.helpMessage())
            exit(0)
        }
        command = parsed
    } catch {
        let code = C.exitCode(for: error)
        let message = C.fullMessage(for: error)
        if code == .success {
            printLine(message)
            exit(0)
        }
        printError(message)
        printError("Usage: see '\(C.configuration.commandName ?? "command") --help'")
        exit(2)
    }
    do {
        try await command.run()
        exit(0)
    } catch let error as CLIError {
        printError("\(C.configuration.commandName ?? "error"): \(error.message)")
        exit(error.exitCode)
    } catch let error as ExitCode {
        exit(error.rawValue)
    } catch {
        printError("\(C.configuration.commandName ?? "error"): \(error)")
        exit(1)
    }
}

/// The `--log-level` option every tool shares.
public struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: String = "info"

    public init() {}

    /// The parsed level; invalid names are a usage error.
    public func level() throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: logLevel.lowercased()) else {
            throw CLIError.usage("invalid --log-level '\(logLevel)'")
        }
        return level
    }

    /// Bootstraps swift-log to stderr at the chosen level and returns a logger.
    public func makeLogger(label: String) throws -> Logger {
        let level = try level()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

/// The `--idle-timeout` option of the tools that hold MoQT sessions.
public struct IdleTimeoutOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Close a session after this long without a packet from its peer. Quiet sessions (a publisher waiting for subscribers) are kept alive with PINGs, so this only bounds how long a dead peer goes unnoticed.", valueName: "SECONDS"))
    public var idleTimeout: Double = 30

    public init() {}

    public func validate() throws {
        guard idleTimeout >= 0.1, idleTimeout <= 86_400 else {
            throw ValidationError("--idle-timeout must be between 0.1 and 86400 seconds")
        }
    }
}
