import Foundation
import MoQTNet
import NIOPosix

/// moq-sub's network entry point: subscribes through `url`, writes the TS and returns the report.
public enum MediaSubscribeRunner {
    /// Runs one subscription to its end; `status` receives the once-a-second lines and notices.
    public static func run(url: String, insecure: Bool, options: MediaSubscriberOptions,
                           status: @escaping @Sendable (String) -> Void,
                           stopper: SubscriberStopper? = nil) async throws -> (SubscriberReport, MuxReport?) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let subscriber = MediaSubscriber(options: options, eventLoop: loop)
        subscriber.status = status
        // SIGINT/SIGTERM end the subscription cleanly: the TS is finished and the report written
        // (with several sessions, the caller's `stopper` has one handler for all of them).
        let own = stopper == nil ? SubscriberStopper() : nil
        defer { own?.cancel() }
        (stopper ?? own)?.add(subscriber)
        let endpoint = try await MoQTEndpoint.client(group: loop)
        var backoff = Backoff()
        do {
            while true {
                let connection: MoQTConnection
                do {
                    connection = try await endpoint.connect(url: url, insecure: insecure, handler: subscriber)
                } catch {
                    guard options.reconnect, !(await subscriber.isFinished) else { throw error }
                    let delay = backoff.next()
                    status("moq-sub: cannot reach \(url) (\(error)); retrying in \(Backoff.format(delay))")
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    continue
                }
                if backoff.attempts > 0 { status("moq-sub: reconnected to \(url)") }
                backoff.reset()
                let outcome = try await subscriber.serve(connection)
                if case .disconnected = outcome {
                    let delay = backoff.next()
                    status("moq-sub: reconnecting in \(Backoff.format(delay))")
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    if await subscriber.isFinished { break }
                    continue
                }
                await connection.close()
                break
            }
            await endpoint.close()
            return try await subscriber.finalReport()
        } catch {
            await endpoint.close()
            throw error
        }
    }

    /// Runs `sessions` subscriptions at once in this process (`moq-sub --sessions`), each its own QUIC
    /// connection on its own UDP socket, spread over the event loops of every core; returns the
    /// aggregated report. Notices of a session are prefixed with its number; a session that fails is
    /// counted and named, the others go on.
    public static func runMany(url: String, insecure: Bool, options: MediaSubscriberOptions, sessions: Int,
                               status: @escaping @Sendable (String) -> Void) async -> MultiSessionReport {
        var quiet = options
        quiet.periodicStatus = false
        quiet.output = nil
        let stopper = SubscriberStopper()
        defer { stopper.cancel() }
        let results = await withTaskGroup(of: (Int, SubscriberReport?, String?).self) { group in
            for i in 0..<sessions {
                group.addTask {
                    do {
                        let (report, _) = try await run(url: url, insecure: insecure, options: quiet,
                                                        status: { status("session \(i + 1): \($0)") }, stopper: stopper)
                        return (i, report, nil)
                    } catch MediaSubscriberError.sessionLost(let reason, let report, _) {
                        return (i, report, "session \(i + 1): session lost: \(reason)")
                    } catch {
                        return (i, nil, "session \(i + 1): \(error)")
                    }
                }
            }
            var all = [(Int, SubscriberReport?, String?)]()
            for await r in group { all.append(r) }
            return all.sorted { $0.0 < $1.0 }
        }
        return MultiSessionReport(reports: results.map(\.1), failures: results.compactMap(\.2))
    }

    /// The closing line of `moq-sub --sessions`.
    public static func summary(_ r: MultiSessionReport) -> String {
        String(format: "moq-sub: %d sessions (%d failed), %d objects, %d bytes, %d gaps, latency p50 (median of sessions) %.2f ms, p99 median %.2f ms, worst p99 %.2f ms, max %.2f ms",
               r.sessions, r.failed, r.objects, r.bytes, r.gaps, Double(r.latencyUs.p50Median) / 1000,
               Double(r.latencyUs.p99Median) / 1000, Double(r.latencyUs.p99Max) / 1000, Double(r.latencyUs.max) / 1000)
    }

    /// The report as pretty JSON.
    public static func json<R: Encodable>(_ report: R) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(report)
    }

    /// The closing summary line.
    public static func summary(_ report: SubscriberReport) -> String {
        let gaps = report.gaps.map { g -> String in
            let range = g.lastGroup.map { "groups \(g.group)-\($0)" }
                ?? "group \(g.group) objects \(g.firstObject ?? 0)-\(g.lastObject ?? 0)"
            return "\(range) (\(g.reason.rawValue))"
        }
        return String(format: "moq-sub: %d objects, %d groups, %d bytes, latency p50 %.2f ms p90 %.2f ms p99 %.2f ms max %.2f ms, first object %@ ms after SUBSCRIBE, %d frames skipped, gaps: %@",
                      report.objects, report.groups, report.bytes,
                      Double(report.latencyUs.p50) / 1000, Double(report.latencyUs.p90) / 1000,
                      Double(report.latencyUs.p99) / 1000, Double(report.latencyUs.max) / 1000,
                      report.firstObjectAfterSubscribeMs.map { String(format: "%.1f", $0) } ?? "-",
                      report.framesSkipped, gaps.isEmpty ? "none" : gaps.joined(separator: "; "))
    }
}

/// One SIGINT/SIGTERM handler for every session of `moq-sub --sessions`: each ends cleanly, its report kept.
public final class SubscriberStopper: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [MediaSubscriber] = []
    private var stopped: String?
    private var sources: [DispatchSourceSignal] = []

    public init() {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.stopAll(reason: number == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)") }
            source.resume()
            sources.append(source)
        }
    }

    /// A session to stop on a signal (at once, if one came already).
    func add(_ subscriber: MediaSubscriber) {
        let reason: String? = lock.withLock {
            subscribers.append(subscriber)
            return stopped
        }
        if let reason { subscriber.stop(reason: reason) }
    }

    private func stopAll(reason: String) {
        let all: [MediaSubscriber] = lock.withLock {
            stopped = reason
            return subscribers
        }
        for s in all { s.stop(reason: reason) }
    }

    /// Removes the signal handlers.
    public func cancel() { for s in sources { s.cancel() } }
}
