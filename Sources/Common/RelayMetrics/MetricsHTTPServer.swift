import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server for Prometheus scrapes: `GET /metrics` answers 200 with the
/// exporter's text (`text/plain; version=0.0.4`), any other path 404, any other method 405.
///
/// It runs on its own event loop group (one thread by default), so a scrape never runs on the
/// relay's event loops; the exporter's snapshot hops to the relay's loop only to copy counters.
public final class MetricsHTTPServer: Sendable {
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    /// The port listened on (useful with port 0).
    public let port: Int

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.channel = channel
        self.group = group
        self.port = channel.localAddress?.port ?? 0
    }

    /// Listens on `host:port` (port 0: any free port) and serves `exporter`.
    public static func start(host: String, port: Int, exporter: RelayMetricsExporter,
                             threads: Int = 1) async throws -> MetricsHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(MetricsHTTPHandler(exporter: exporter))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            return MetricsHTTPServer(channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Stops listening and ends the server's threads.
    public func close() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}
