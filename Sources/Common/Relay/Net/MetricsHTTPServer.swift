import NIOCore
import NIOHTTP1
import NIOPosix

/// A tiny HTTP/1.1 listener for Prometheus scrapes: `GET /metrics` (or `/`) answers the text
/// exposition format from `render`; anything else is 404.
public final class MetricsHTTPServer: @unchecked Sendable {
    private let channel: Channel
    /// The bound port.
    public var port: Int { channel.localAddress?.port ?? 0 }

    private init(channel: Channel) { self.channel = channel }

    /// Listens on `host:port` (0: any free port); `render` is called for each scrape.
    public static func start(host: String, port: Int, group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                             render: @escaping @Sendable () -> EventLoopFuture<[UInt8]>) async throws -> MetricsHTTPServer {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.pipeline.configureHTTPServerPipeline().flatMap { child.pipeline.addHandler(MetricsHTTPHandler(render: render)) }
            }
            .bind(host: host, port: port).get()
        return MetricsHTTPServer(channel: channel)
    }

    /// Stops listening.
    public func close() async { try? await channel.close() }
}

/// Answers one scrape per request on a connection.
final class MetricsHTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let render: @Sendable () -> EventLoopFuture<[UInt8]>
    private var path = "/"
    private var keepAlive = false

    init(render: @escaping @Sendable () -> EventLoopFuture<[UInt8]>) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            path = head.uri
            keepAlive = head.isKeepAlive
        case .body:
            break
        case .end:
            let ok = path == "/metrics" || path == "/"
            let keepAlive = self.keepAlive
            let loop = context.eventLoop
            let body: EventLoopFuture<[UInt8]> = ok ? render().hop(to: loop) : loop.makeSucceededFuture(Array("not found\n".utf8))
            body.whenComplete { result in
                let bytes = (try? result.get()) ?? Array("metrics unavailable\n".utf8)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: ok ? "text/plain; version=0.0.4" : "text/plain")
                headers.add(name: "Content-Length", value: String(bytes.count))
                headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
                context.write(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: ok ? .ok : .notFound, headers: headers))),
                              promise: nil)
                var buffer = context.channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                context.write(self.wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
                context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { _ in
                    if !keepAlive { context.close(promise: nil) }
                }
            }
        }
    }
}
