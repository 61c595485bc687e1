import ArgumentParser
import MoQTNet
import CLIKit
import Foundation
import Media
import MoQMedia

/// `moq-sub`: subscribes to MoQ video and audio tracks and writes them to one file (MPEG-TS, MP4 or
/// Matroska), with a loss/latency report.
@main
struct MoQSubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moq-sub",
        abstract: "Subscribe to Media-over-QUIC video and audio tracks (draft-18) and write them as MPEG-TS, MP4 or Matroska.",
        discussion: """
            Reads the track's MSF catalog to set up the muxer, then writes every frame it can \
            decode to --out: MPEG-TS (.ts, or - for stdout), fragmented MP4 (.mp4, .m4v, .mov) \
            or Matroska (.mkv), by its extension. Missing \
            objects never corrupt the output: frames that depend on a missing frame are skipped \
            until the next keyframe, and every skip is reported. Prints one status line a second \
            (objects, gaps, latency p50/p99) and a summary on exit; --report writes it as JSON \
            (objects, groups, bytes, gaps, latency_us, first_object_after_subscribe_ms).

            Without --out, a publisher that has no catalog track (e.g. a synthetic benchmark \
            publisher) is still measured: moq-sub subscribes to the track alone and reports \
            objects, gaps and latency (from the LOC TIMESTAMP property) without writing media. \
            With --out the catalog is required, since the muxer needs the codec setup.

            Tracks: by default moq-sub subscribes to every video and audio track of the catalog \
            and writes them to one output, audio in sync with the video (one timeline). A \
            subscriber that joins late starts its audio with the video's first keyframe, never \
            before it. --tracks NAME,... chooses the tracks (at most one video track); --track \
            NAME is --tracks NAME. The report's 'tracks' lists each track's objects, frames \
            written and skipped.

            A session that is lost (relay gone: noticed within --idle-timeout) ends moq-sub with \
            exit code 1 and the reason, after writing what arrived; --reconnect connects again \
            instead. With no publisher for the track yet, moq-sub fails at once unless --wait.

            --token / --token-file put the draft-18 AUTHORIZATION TOKEN on every SUBSCRIBE, for a \
            relay started with --subscribe-token; a refusal (REQUEST_ERROR UNAUTHORIZED) ends \
            moq-sub with exit code 1 and the reason.

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
    @Option(help: ArgumentHelp("Subscribe to this track only (same as --tracks NAME; default: every video and audio track of the catalog, or 'video' without one).", valueName: "NAME"))
    var track: String?
    @Option(help: ArgumentHelp("The tracks to subscribe to and write, comma-separated (at most one video track; default: every video and audio track of the catalog).", valueName: "NAME,..."))
    var tracks: String?
    @Option(help: ArgumentHelp("Write the tracks here: .ts (MPEG-TS), .mp4/.m4v/.mov (fragmented MP4), .mkv (Matroska), or '-' (MPEG-TS on stdout).", valueName: "FILE|-")) var out: String?
    @Option(help: ArgumentHelp("Write the JSON report here on exit.", valueName: "FILE")) var report: String?
    @Option(help: ArgumentHelp("Stop after this many seconds (default: until the publisher is done).", valueName: "SECONDS"))
    var duration: Double?
    @Option(help: ArgumentHelp("Tests only: UNSUBSCRIBE every track after SECONDS and keep the session open until --duration.", valueName: "SECONDS", visibility: .hidden))
    var unsubscribeAfter: Double?
    @Flag(help: "Accept cleartext 1-RTT if the relay offers it (kernel fast path; loud warning).") var allowCleartext = false
    @Flag(help: "Do not verify the relay's certificate.") var insecure = false
    @Flag(help: "If the relay has no publisher for the track yet, wait for one (subscribing again every second) instead of failing.")
    var wait = false
    @Flag(help: "When the session is lost (or cannot be made), connect again with backoff (0.25 s doubling to 8 s) and subscribe again, writing on into the same output; what was missed is reported as 'disconnected' gaps. Without it, a lost session ends moq-sub with exit code 1 and the reason (the report and TS of what arrived are still written).")
    var reconnect = false
    @Option(help: ArgumentHelp("Run this many subscriber sessions in this process (a load generator: each its own QUIC connection, spread over every core; no --out; one aggregated --report with every session's own).", valueName: "N"))
    var sessions: Int = 1
    @Flag(help: "Use the QUIC ACK frequency extension: let the relay ask for fewer ACKs (moq-relay --ack-frequency).")
    var ackFrequency = false
    @Option(help: ArgumentHelp("MoQ Transport draft: 18, 22, or a preference list (default 18,22: offer both, draft-18 preferred; the relay's choice decides).", valueName: "18|22|18,22"))
    var draft: String = "18,22"
    @OptionGroup var auth: TokenOptions
    @OptionGroup var idle: IdleTimeoutOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if !relay.hasPrefix("moqt://") || relay.dropFirst(7).split(separator: ":").count < 2 {
            throw ValidationError("--relay must look like moqt://HOST:PORT, not '\(relay)'")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
        if namespace.isEmpty { throw ValidationError("--namespace must not be empty") }
        if track?.isEmpty == true { throw ValidationError("--track must not be empty") }
        if track != nil && tracks != nil { throw ValidationError("--track and --tracks exclude each other") }
        if let tracks {
            let names = tracks.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if names.contains(where: \.isEmpty) { throw ValidationError("--tracks needs names separated by commas, not '\(tracks)'") }
            if Set(names).count != names.count { throw ValidationError("--tracks names a track twice: '\(tracks)'") }
            if names.contains("catalog") { throw ValidationError("--tracks: 'catalog' is not a media track") }
        }
        if out?.isEmpty == true { throw ValidationError("--out must name a file or '-'") }
        if let out, !out.isEmpty, VideoContainer(path: out) == nil {
            throw ValidationError("--out \(out): unknown extension (use \(VideoContainer.extensions))")
        }
        if MoQTTransportOptions.drafts(argument: draft) == nil { throw ValidationError("--draft must be 18, 22 or a list such as 18,22, not '\(draft)'") }
        if !(1...5000).contains(sessions) { throw ValidationError("--sessions must be between 1 and 5000") }
        if sessions > 1 && out != nil { throw ValidationError("--sessions > 1 writes no media: drop --out") }
        _ = try logging.level()
    }

    func run() async throws {
        let logger = try logging.makeLogger(label: "moq-sub")
        MoQTEndpoint.sessionReadyLog = { logger.info("\($0)") }
        if allowCleartext {
            // Accept cleartext 1-RTT when the relay offers it (--ebpf); the QUIC layer warns loudly
            // once cleartext is in force.
            MoQTEndpoint.transportOptions.allowCleartext = true
            logger.warning("--allow-cleartext: 1-RTT packets will NOT be encrypted if the relay offers cleartext")
        }
        MoQTEndpoint.transportOptions.idleTimeout = idle.idleTimeout
        MoQTEndpoint.transportOptions.ackFrequency = ackFrequency
        MoQTEndpoint.transportOptions.drafts = MoQTTransportOptions.drafts(argument: draft) ?? MoQTEndpoint.transportOptions.drafts
        var options = MediaSubscriberOptions()
        options.waitForPublisher = wait
        options.reconnect = reconnect
        options.namespace = namespace.split(separator: "/").map(String.init)
        if let track {
            options.trackName = track
            options.trackNames = [track]
        } else if let tracks {
            options.trackNames = tracks.split(separator: ",").map(String.init)
            options.trackName = options.trackNames?.first ?? "video"
        }
        options.output = out
        options.duration = duration
        options.unsubscribeAfter = unsubscribeAfter
        options.authorizationToken = try auth.value()
        if sessions > 1 {
            printError("moq-sub: \(sessions) sessions to \(relay)")
            let r = await MediaSubscribeRunner.runMany(url: relay, insecure: insecure, options: options, sessions: sessions,
                                                       status: { printError($0) })
            printError(MediaSubscribeRunner.summary(r))
            for f in r.failures.prefix(10) { printError("moq-sub: \(f)") }
            if let report {
                do { try MediaSubscribeRunner.json(r).write(to: URL(fileURLWithPath: report)) } catch {
                    throw CLIError.runtime("cannot write --report \(report): \(error)")
                }
            }
            if r.failed > 0 { throw CLIError.runtime("\(r.failed) of \(r.sessions) sessions failed") }
            return
        }
        let result: (SubscriberReport, MuxReport?)
        var lost: String?
        do {
            result = try await MediaSubscribeRunner.run(url: relay, insecure: insecure, options: options, status: { printError($0) })
        } catch MediaSubscriberError.sessionLost(let reason, let report, let mux) {
            // What arrived is written and reported; the run still fails.
            result = (report, mux)
            lost = reason
        } catch {
            throw CLIError.runtime("\(error)")
        }
        let (summary, mux) = result
        printError(MediaSubscribeRunner.summary(summary))
        for t in summary.tracks ?? [] {
            printError("moq-sub: track \(t.name): \(t.objects) objects, \(t.groups) groups, \(t.bytes) bytes, \(t.gaps) gaps"
                       + (t.framesWritten.map { ", \($0) frames written" } ?? "") + (t.framesSkipped.map { ", \($0) skipped" } ?? "")
                       + (t.droppedBeforeVideo.map { $0 > 0 ? ", \($0) before the video's first keyframe dropped" : "" } ?? ""))
        }
        if let mux, !mux.skipped.isEmpty { printError(mux.text) }
        if let report {
            do {
                try MediaSubscribeRunner.json(summary).write(to: URL(fileURLWithPath: report))
            } catch {
                throw CLIError.runtime("cannot write --report \(report): \(error)")
            }
        }
        if let lost { throw CLIError.runtime("session lost: \(lost)") }
    }

    static func main() async { await runCommand(Self.self) }
}
