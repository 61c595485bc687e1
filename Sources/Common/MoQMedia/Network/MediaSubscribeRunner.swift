import Foundation
import MoQTNet
import NIOPosix

/// moq-sub's network entry point: subscribes through `url`, writes the TS and returns the report.
public enum MediaSubscribeRunner {
    /// Runs one subscription to its end; `status` receives the once-a-second lines and notices.
    public static func run(url: String, insecure: Bool, options: MediaSubscriberOptions,
                           status: @escaping @Sendable (String) -> Void) async throws -> (SubscriberReport, MuxReport?) {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let subscriber = MediaSubscriber(options: options, eventLoop: loop)
        subscriber.status = status
        // SIGINT/SIGTERM end the subscription cleanly: the TS is finished and the report written.
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { subscriber.stop(reason: number == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)") }
            source.resume()
            return source
        }
        defer { for s in signals { s.cancel() } }
        let endpoint = try await MoQTEndpoint.client(group: loop)
        do {
            let connection = try await endpoint.connect(url: url, insecure: insecure, handler: subscriber)
            let result = try await subscriber.run(on: connection)
            await connection.close()
            await endpoint.close()
            return result
        } catch {
            await endpoint.close()
            throw error
        }
    }

    /// The report as pretty JSON.
    public static func json(_ report: SubscriberReport) throws -> Data {
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
