import ArgumentParser
import MoQTNet
import CLIKit
import Foundation
import Media
import MoQMedia

/// `moq-pub`: publishes a video file, standard input or a URL as a live MoQ track (LOC objects, one
/// group per GOP).
@main
struct MoQPubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moq-pub",
        abstract: "Publish a video file or a live stream, with its audio, as Media-over-QUIC tracks (draft-18, LOC packaging).",
        discussion: """
            Reads any file libavformat opens (MP4, Matroska, MPEG-TS; H.264 or H.265 video) and \
            publishes its video as one MoQ track: one group per GOP starting at a keyframe, one \
            object per frame, publisher priority by frame class (I before P before B; lower value \
            = more important), and an MSF catalog on track 'catalog'. Frames are paced in real \
            time unless --no-pacing. The clip starts when the first subscription arrives \
            (--no-wait: at once) and ends with PUBLISH_DONE unless --loop. A quiet session is \
            kept alive, so moq-pub may wait for subscribers as long as it likes; if the relay goes \
            away, moq-pub exits with code 1 and the reason within --idle-timeout, or reconnects \
            with --reconnect.

            Audio: every AAC and Opus stream of the input is published as a track of its own \
            ('audio', then 'audio2', 'audio3', ...; --audio-track names the first), one LOC \
            object per audio frame, listed in the catalog with codec, sample rate and channels. \
            Audio groups follow the video's (audio group N starts with the first audio frame at \
            or after the keyframe of video group N), at publisher priority 1 (--priority-audio), \
            above P and B frames. Other audio codecs are skipped with a notice; --no-audio \
            publishes the video only.

            Live input: '-' reads standard input (MPEG-TS or anything libavformat detects), and \
            an argument with a scheme (udp://HOST:PORT, srt://..., tcp://...) is opened by \
            libavformat as it is. Frames are published as they arrive (no pacing, no --loop), one \
            group per keyframe; the encoder's clock drives the LOC timestamps (the first frame's \
            PTS maps to the wall clock when it arrived), so subscribers' latency is \
            capture-to-receive. Frames arriving while nobody subscribes are dropped, never queued: \
            a subscriber starts at the next keyframe (--no-wait changes nothing). The stream ends \
            with PUBLISH_DONE when the input ends (EOF, or --input-timeout seconds without data).

            --token / --token-file put the draft-18 AUTHORIZATION TOKEN on PUBLISH_NAMESPACE, for \
            a relay started with --publish-token; a relay refusing it (REQUEST_ERROR UNAUTHORIZED) \
            ends moq-pub with exit code 1 and the reason.

            --dry-run prints, per group, the objects that would be published (frame class, \
            priority, size, timestamps) and a summary, without any network.

            Exit codes: 0 success, 1 runtime failure, 2 bad usage or unusable input (missing \
            file, no video stream, unsupported codec).

            Examples:
              moq-pub --dry-run media/test.mp4
              moq-pub --relay moqt://127.0.0.1:4443 --namespace demo --track video media/test.mp4
              moq-pub --listen 0.0.0.0:4443 --cert cert.pem --key key.pem --loop media/test.mp4
              ffmpeg -re -i in.mp4 -c copy -f mpegts - | moq-pub --relay moqt://127.0.0.1:4443 -
              moq-pub --relay moqt://127.0.0.1:4443 --input-timeout 5 udp://127.0.0.1:5000
            """
    )

    @Option(help: ArgumentHelp("Relay to publish to.", valueName: "moqt://HOST:PORT"))
    var relay: String?
    @Option(help: ArgumentHelp("Listen for subscribers directly instead of connecting to a relay.", valueName: "ADDR"))
    var listen: String?
    @Option(help: ArgumentHelp("PEM certificate for --listen (self-signed one generated when omitted).", valueName: "FILE"))
    var cert: String?
    @Option(help: ArgumentHelp("PEM private key for --listen.", valueName: "FILE"))
    var key: String?
    @Option(help: "Track namespace.") var namespace: String = "demo"
    @Option(help: "Track name.") var track: String = "video"
    @Flag(help: "Restart the clip at its end (timestamps and group IDs keep increasing; files only).") var loop = false
    @Flag(help: "Send frames as fast as possible instead of in real time (live input is never paced).") var noPacing = false
    @Option(help: ArgumentHelp("Live input only: end the stream when nothing arrives for this long.", valueName: "SECONDS"))
    var inputTimeout: Double?
    @Flag(help: "Accept cleartext 1-RTT if the relay offers it (kernel fast path; loud warning).") var allowCleartext = false
    @Flag(help: "Send media in the fixed-size encodings a relay's kernel fast path forwards, encrypted (moq-relay --ebpf --ebpf-encrypted).")
    var fastPathEncoding = false
    @Flag(help: "Do not verify the relay's certificate.") var insecure = false
    @Flag(help: "Start the clip at once instead of waiting for the first subscription (live input is always read at once).") var noWait = false
    @Flag(help: "One subgroup stream per frame instead of one per frame class per group.") var streamPerFrame = false
    @Flag(help: "The whole group on one subgroup stream (for peers that handle only subgroup 0, e.g. moq-rs; no per-class priority).")
    var streamPerGroup = false
    @Option(help: ArgumentHelp("Publisher priority of I frames (0-255, lower = more important).", valueName: "N"))
    var priorityI: UInt8 = FramePriorities.default.i
    @Option(help: ArgumentHelp("Publisher priority of P frames.", valueName: "N"))
    var priorityP: UInt8 = FramePriorities.default.p
    @Option(help: ArgumentHelp("Publisher priority of B frames.", valueName: "N"))
    var priorityB: UInt8 = FramePriorities.default.b
    @Option(help: ArgumentHelp("Publisher priority of audio objects (default 1: above P and B frames).", valueName: "N"))
    var priorityAudio: UInt8 = FramePriorities.audio
    @Option(help: ArgumentHelp("Name of the first audio track (more are numbered: NAME2, NAME3, ...).", valueName: "NAME"))
    var audioTrack: String = "audio"
    @Flag(help: "Publish the video only, not the input's audio tracks.") var noAudio = false
    @Flag(help: "Print the groups and objects that would be published, then exit (no network).") var dryRun = false
    @Flag(help: "When the session to the relay is lost (or cannot be made), connect again with backoff (0.25 s doubling to 8 s) and announce again, going on where the clip is. Without it, a lost session ends moq-pub with exit code 1 and the reason.")
    var reconnect = false
    @Option(help: ArgumentHelp("MoQ Transport draft (offered with --relay, accepted with --listen): 18, 22, or a preference list (default 18,22: offer both, draft-18 preferred; the server's choice decides).", valueName: "18|22|18,22"))
    var draft: String = "18,22"
    @OptionGroup var auth: TokenOptions
    @OptionGroup var idle: IdleTimeoutOptions
    @OptionGroup var logging: LoggingOptions
    @Argument(help: ArgumentHelp("The video file to publish; '-' for standard input, or a URL libavformat opens (udp://, srt://, ...) for live input.",
                                 valueName: "INPUT"))
    var file: String

    var input: MediaInput { MediaInput(argument: file) }

    func validate() throws {
        if relay != nil && listen != nil { throw ValidationError("--relay and --listen exclude each other") }
        if MoQTTransportOptions.drafts(argument: draft) == nil { throw ValidationError("--draft must be 18, 22 or a list such as 18,22, not '\(draft)'") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if cert != nil && listen == nil { throw ValidationError("--cert and --key need --listen") }
        if let relay, !relay.hasPrefix("moqt://") || relay.dropFirst(7).split(separator: ":").count < 2 {
            throw ValidationError("--relay must look like moqt://HOST:PORT, not '\(relay)'")
        }
        if reconnect && listen != nil { throw ValidationError("--reconnect is for --relay (a listening moq-pub has no session to lose)") }
        if streamPerFrame && streamPerGroup { throw ValidationError("--stream-per-frame and --stream-per-group exclude each other") }
        if input.isLive {
            if loop { throw ValidationError("--loop needs a file: live input (\(input)) cannot restart") }
            if dryRun { throw ValidationError("--dry-run needs a file, not live input (\(input))") }
        } else if inputTimeout != nil {
            throw ValidationError("--input-timeout is for live input ('-' or a URL), not a file")
        }
        if let t = inputTimeout, !(t > 0 && t.isFinite) { throw ValidationError("--input-timeout must be a positive number of seconds") }
        if namespace.isEmpty { throw ValidationError("--namespace must not be empty") }
        if track.isEmpty { throw ValidationError("--track must not be empty") }
        if audioTrack.isEmpty { throw ValidationError("--audio-track must not be empty") }
        if !noAudio && (audioTrack == track || audioTrack == "catalog" || track.hasPrefix(audioTrack)
                        && Int(track.dropFirst(audioTrack.count)) != nil) {
            throw ValidationError("--audio-track '\(audioTrack)' clashes with the video track '\(track)' (or 'catalog')")
        }
        if track == "catalog" { throw ValidationError("--track must not be 'catalog' (the catalog track's name)") }
        _ = try logging.level()
    }

    var priorities: FramePriorities { FramePriorities(i: priorityI, p: priorityP, b: priorityB) }

    func run() async throws {
        let logger = try logging.makeLogger(label: "moq-pub")
        MoQTEndpoint.sessionReadyLog = { logger.info("\($0)") }
        LibAVLogging.setVerbose(logger.logLevel <= .debug)
        if !priorities.isOrdered {
            logger.warning("priorities do not follow I <= P <= B; the relay will drop accordingly")
        }
        do {
            if dryRun {
                let start = UInt64(Date().timeIntervalSince1970 * 1_000_000)
                try PublishDryRun.run(path: file, namespace: namespace, trackName: track, priorities: priorities,
                                      audioTrackName: noAudio ? nil : audioTrack, audioPriority: priorityAudio,
                                      startTime: start, output: printLine)
                return
            }
            if !input.isLive {
                // Live input is opened once, by the publisher (it cannot be read twice).
                let source = try MediaObjectSource(path: file, priorities: priorities, loop: loop, includeAudio: !noAudio)
                logger.debug("input \(file): \(source.track.codecString) \(source.track.width)x\(source.track.height)")
                let names = MediaObjectSource.audioTrackNames(base: audioTrack, count: source.audioTracks.count)
                for (name, info) in zip(names, source.audioTracks) {
                    printError("moq-pub: audio track \(name): \(info.codecString) \(info.sampleRate) Hz, \(info.channels) channels (stream \(info.sourceStreamIndex))")
                }
                for ignored in source.ignoredAudioStreams {
                    printError("moq-pub: audio stream \(ignored) not published (supported: aac, opus)")
                }
            }
        } catch {
            throw Self.cliError(error)
        }
        if allowCleartext {
            // Accept cleartext 1-RTT when the relay offers it (--ebpf), and send media in the
            // fixed-size encodings its kernel fast path forwards. The QUIC layer warns loudly
            // once cleartext is in force.
            MoQTEndpoint.transportOptions.allowCleartext = true
            MoQTEndpoint.transportOptions.fastPathEncoding = true
            logger.warning("--allow-cleartext: 1-RTT packets will NOT be encrypted if the relay offers cleartext")
        }
        if fastPathEncoding { MoQTEndpoint.transportOptions.fastPathEncoding = true }
        MoQTEndpoint.transportOptions.idleTimeout = idle.idleTimeout
        MoQTEndpoint.transportOptions.drafts = MoQTTransportOptions.drafts(argument: draft) ?? MoQTEndpoint.transportOptions.drafts
        var options = MediaPublisherOptions()
        options.namespace = namespace.split(separator: "/").map(String.init)
        options.trackName = track
        options.loop = loop
        options.pacing = !noPacing && !input.isLive
        options.inputTimeout = inputTimeout
        options.waitForSubscriber = !noWait
        options.subgroupLayout = streamPerFrame ? .perFrame : streamPerGroup ? .perGroup : .perFrameClass
        options.priorities = priorities
        options.publishAudio = !noAudio
        options.audioTrackName = audioTrack
        options.audioPriority = priorityAudio
        options.authorizationToken = try auth.value()
        let target: MediaPublishRunner.Target
        if let listen {
            guard let address = MediaPublishRunner.parseAddress(listen) else { throw CLIError.usage("bad --listen address '\(listen)'") }
            target = .listen(host: address.host, port: address.port, certificateFile: cert, keyFile: key)
        } else {
            target = .relay(url: relay ?? "moqt://127.0.0.1:4443", insecure: insecure, reconnect: reconnect)
        }
        do {
            try await MediaPublishRunner.run(input: input, options: options, target: target, log: { printError($0) })
        } catch let error as MediaError {
            throw Self.cliError(error)
        } catch {
            throw CLIError.runtime("\(error)")
        }
    }

    static func cliError(_ error: MediaError) -> CLIError {
        switch error {
        case .fileNotFound, .cannotOpen, .noVideoStream, .unsupportedCodec: return .usage(error.description)
        default: return .runtime(error.description)
        }
    }

    static func main() async { await runCommand(Self.self) }
}
