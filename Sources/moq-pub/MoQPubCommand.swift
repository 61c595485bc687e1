import ArgumentParser
import CLIKit

@main
struct MoQPubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "moq-pub", abstract: "Publish a video file as a MoQ track.")
    @Argument(help: "Video file.") var file: String
    @OptionGroup var logging: LoggingOptions
    func run() async throws { throw CLIError.notImplemented("publishing") }
    static func main() async { await runCommand(Self.self) }
}
