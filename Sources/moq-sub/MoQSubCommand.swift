import ArgumentParser
import MoQTNet
import CLIKit
import Foundation
import MoQMedia

/// `moq-sub`: subscribes to a MoQ video track and writes it as MPEG-TS, with a loss/latency report.
@main
struct MoQSubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moq-sub",
        abstract: "Subscribe to a Media-over-QUIC video track (draft-18) and write it as MPEG-TS.",
        discussion: """
            Reads the track's MSF catalog to set up the muxer, then writes every frame it can \
            decode to --out (Annex-B MPEG-TS that ffprobe reads and ffmpeg decodes). Missing \
            objects never corrupt the output: frames that depend on a missing frame are skipped \
            until the next keyframe, and every skip is reported. Prints one status line a second \
            (objects, gaps, latency p50/p99) and a summary on exit; --report writes it as JSON \
            (objects, groups, bytes, gaps, latency_us, first_object_after_subscribe_ms).

            Without --out, a publisher that has no catalog track (e.g. a synthetic benchmark \
            publisher) is still measured: moq-sub subscribes to the track alone and reports \
            objects, gaps and latency (from the LOC TIMESTAMP property) without writing media. \
            With --out the catalog is required, since the muxer needs the codec setup.

            Exit codes: 0 success, 1 runtime failure, 2 bad usage.

            Examples:
              moq-sub --relay moqt://127.0.0.1:4443 --out out.ts --duration 10
              moq-sub --namespace demo --track video --out - | ffplay -
              moq-sub --out sub.ts --report sub.json --allow-cleartext
            """
    )

    @Option(help: ArgumentHelp("Relay to subscribe at.", valueName: "moqt://HOST:PORT"))
    var relay: String = "moqt://127.0.0.1:4443"
    @Option(help: "Track namespace.") var namespace: String = "demo"
    @Option(help: "Track name.") var track: String = "video"
    @Option(help: ArgumentHelp("Write MPEG-TS here ('-' for stdout).", valueName: "FILE|-")) var out: String?
    @Option(help: ArgumentHelp("Write the JSON report here on exit.", valueName: "FILE")) var report: String?
    @Option(help: ArgumentHelp("Stop after this many seconds (default: until the publisher is done).", valueName: "SECONDS"))
    var duration: Double?
    @Flag(help: "Accept cleartext 1-RTT if the relay offers it (kernel fast path; loud warning).") var allowCleartext = false
    @Flag(help: "Do not verify the relay's certificate.") var insecure = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !relay.hasPrefix("moqt://") || relay.dropFirst(7).split(separator: ":").count < 2 {
            throw ValidationError("--relay must look like moqt://HOST:PORT, not '\(relay)'")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        if namespace.isEmpty { throw ValidationError("--namespace must not be empty") }
        if track.isEmpty { throw ValidationError("--track must not be empty") }
        if out?.isEmpty == true { throw ValidationError("--out must name a file or '-'") }
        _ = try logging.level()
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "moq-sub")
        if allowCleartext {
            // Accept cleartext 1-RTT when the relay offers it (--ebpf); the QUIC layer warns loudly
            // once cleartext is in force.
            MoQTEndpoint.transportOptions.allowCleartext = true
            logger.warning("--allow-cleartext: 1-RTT packets will NOT be encrypted if the relay offers cleartext")
        }
        var options = MediaSubscriberOptions()
        options.namespace = namespace.split(separator: "/").map(String.init)
        options.trackName = track
        options.output = out
        options.duration = duration
        let result: (SubscriberReport, MuxReport?)
        do {
            result = try await MediaSubscribeRunner.run(url: relay, insecure: insecure, options: options, status: { printError($0) })
        } catch {
            throw CLIError.runtime("\(error)")
        }
        let (summary, mux) = result
        printError(MediaSubscribeRunner.summary(summary))
        if let mux, !mux.skipped.isEmpty { printError(mux.text) }
        if let report {
            do {
                try MediaSubscribeRunner.json(summary).write(to: URL(fileURLWithPath: report))
            } catch {
                throw CLIError.runtime("cannot write --report \(report): \(error)")
            }
        }
    }

    static func main() async { await runCommand(Self.self) }
}
