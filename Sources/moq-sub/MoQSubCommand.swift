import ArgumentParser
import CLIKit

@main
struct MoQSubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "moq-sub", abstract: "Subscribe to a MoQ track.")
    @OptionGroup var logging: LoggingOptions
    func run() async throws { throw CLIError.notImplemented("subscribing") }
    static func main() async { await runCommand(Self.self) }
}
