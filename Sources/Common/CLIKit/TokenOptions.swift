import ArgumentParser
import Foundation

/// `--token TOKEN` / `--token-file FILE`: the AUTHORIZATION TOKEN (draft-18, Token Type 0) a
/// client puts on its requests for a relay started with `--publish-token` / `--subscribe-token`.
public struct TokenOptions: ParsableArguments {
    @Option(help: ArgumentHelp("AUTHORIZATION TOKEN to present to the relay on every request (for moq-relay --publish-token / --subscribe-token). Visible in the process list: prefer --token-file.", valueName: "TOKEN"))
    public var token: String?
    @Option(help: ArgumentHelp("Read the AUTHORIZATION TOKEN from FILE: its first line that is not blank and does not start with #.", valueName: "FILE"))
    public var tokenFile: String?

    public init() {}

    public func validate() throws {
        if token != nil && tokenFile != nil { throw ValidationError("--token and --token-file exclude each other") }
        if token?.isEmpty == true { throw ValidationError("--token must not be empty") }
    }

    /// The token's bytes, nil when none was given; a missing or token-less file is a usage error.
    public func value() throws -> [UInt8]? {
        if let token { return Array(token.utf8) }
        guard let tokenFile else { return nil }
        guard let data = FileManager.default.contents(atPath: tokenFile), let text = String(data: data, encoding: .utf8) else {
            throw CLIError.usage("--token-file \(tokenFile): cannot read the file")
        }
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }) {
            let t = line.trimmingCharacters(in: .whitespaces)
            if !t.isEmpty && !t.hasPrefix("#") { return Array(t.utf8) }
        }
        throw CLIError.usage("--token-file \(tokenFile): no token in the file")
    }
}
