import Foundation
import Logging

/// Command-line flags of quic-interop, with their environment-variable fallbacks.
struct InteropOptions {
    /// Server: validate addresses with a Retry round trip.
    var retry = false
    /// One qlog file per connection goes here (`--qlog-dir`, else QLOGDIR).
    var qlogDirectory: String?
    /// NSS key log file (`--keylog`, else SSLKEYLOGFILE).
    var keyLogFile: String?
    /// `--log-level`, else LOG_LEVEL, else warning.
    var logLevel: Logger.Level = .warning
    /// Set when the arguments are unusable.
    var error: String?

    init(arguments: [String], environment: [String: String]) {
        qlogDirectory = environment["QLOGDIR"].flatMap { $0.isEmpty ? nil : $0 }
        var level = environment["LOG_LEVEL"]
        var i = 0
        func value(_ flag: String) -> String? {
            i += 1
            guard i < arguments.count else { error = "\(flag) needs a value"; return nil }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--retry": retry = true
            case "--qlog-dir": qlogDirectory = value("--qlog-dir")
            case "--keylog": keyLogFile = value("--keylog")
            case "--log-level": level = value("--log-level")
            case "-h", "--help":
                print("usage: quic-interop [--retry] [--qlog-dir DIR] [--keylog FILE] [--log-level LEVEL]  (ROLE, TESTCASE, ... in the environment)")
                exit(0)
            default: error = "unknown argument \(arguments[i])"
            }
            i += 1
        }
        if let level {
            if let parsed = Logger.Level(rawValue: level) { logLevel = parsed } else { error = "bad log level \(level)" }
        }
    }
}
