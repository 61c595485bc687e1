import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The relay's web player over plain HTTP/1.1 (`moq-relay --http`): the page, its ES module and a
/// JSON document telling the page where the relay's WebTransport endpoint is and which
/// certificate hash to pin. Plain HTTP on a loopback address is a secure context in browsers, so
/// WebTransport and WebCodecs are available to the page. GET and HEAD only; everything is in
/// memory (read once at start).
public final class PlayerHTTPServer: Sendable {
    /// A file served: its content type and bytes.
    public struct Asset: Sendable {
        public var contentType: String
        public var body: [UInt8]
        public init(contentType: String, body: [UInt8]) {
            self.contentType = contentType
            self.body = body
        }
    }

    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    /// The TCP port listened on.
    public let port: Int

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.channel = channel
        self.group = group
        self.port = channel.localAddress?.port ?? 0
    }

    /// Serves `assets` by path ("/" is "/index.html") on `host:port`.
    public static func start(host: String, port: Int, assets: [String: Asset]) async throws -> PlayerHTTPServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 64)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(PlayerHTTPHandler(assets: assets))
                }
            }
        do {
            let channel = try await bootstrap.bind(host: host, port: port).get()
            return PlayerHTTPServer(channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    public func close() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    /// The player's files from `directory` (index.html, player.js) plus `/config.json`.
    public static func assets(directory: String, config: [String: Any]) throws -> [String: Asset] {
        var out: [String: Asset] = [:]
        for (name, type) in [("index.html", "text/html; charset=utf-8"), ("player.js", "text/javascript; charset=utf-8")] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            out["/" + name] = Asset(contentType: type, body: Array(try Data(contentsOf: url)))
        }
        out["/"] = out["/index.html"]
        let json = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys])
        out["/config.json"] = Asset(contentType: "application/json", body: Array(json))
        return out
    }

    /// The player's folder: `explicit` if given, else `$MOQ_WEB_ROOT`, else a `web` folder holding
    /// `player.js` beside the executable or in one of its parent folders (the source tree for a
    /// build in `.build`), else `./web`.
    public static func locateWebRoot(explicit: String?) -> String? {
        let fm = FileManager.default
        func ok(_ dir: String) -> Bool { fm.fileExists(atPath: dir + "/player.js") && fm.fileExists(atPath: dir + "/index.html") }
        if let explicit { return ok(explicit) ? explicit : nil }
        if let env = ProcessInfo.processInfo.environment["MOQ_WEB_ROOT"], !env.isEmpty { return ok(env) ? env : nil }
        let exe = (try? fm.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("web").path
            if ok(candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let cwd = fm.currentDirectoryPath + "/web"
        return ok(cwd) ? cwd : nil
    }
}

final class PlayerHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let assets: [String: PlayerHTTPServer.Asset]
    private var request: HTTPRequestHead?

    init(assets: [String: PlayerHTTPServer.Asset]) { self.assets = assets }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.execute { bound.value.0.answer(head, context: bound.value.1) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            return respond(head, .methodNotAllowed, "text/plain; charset=utf-8", Array("method not allowed\n".utf8), context)
        }
        guard let asset = assets[path] else {
            return respond(head, .notFound, "text/plain; charset=utf-8", Array("not found\n".utf8), context)
        }
        respond(head, .ok, asset.contentType, asset.body, context)
    }

    private func respond(_ head: HTTPRequestHead, _ status: HTTPResponseStatus, _ type: String, _ body: [UInt8], _ context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders([("Content-Type", type), ("Content-Length", "\(body.count)"), ("Cache-Control", "no-store")])
        headers.add(name: "Connection", value: head.isKeepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !head.isKeepAlive { done.whenComplete { _ in context.close(promise: nil) } }
    }
}
