import NIOCore
import NIOHTTP1

/// Answers the requests of one HTTP connection of `MetricsHTTPServer` (the pipeline's
/// pipelining assistance hands it one request at a time).
final class MetricsHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let exporter: RelayMetricsExporter
    private var request: HTTPRequestHead?

    init(exporter: RelayMetricsExporter) { self.exporter = exporter }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            // Answered from a later loop turn, never from inside this read: the pipelining handler
            // delivers a buffered next request from inside the previous response's end write, and
            // this keeps the next response out of that call.
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.execute { bound.value.0.answer(head, context: bound.value.1) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func answer(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        guard head.method == .GET || head.method == .HEAD else {
            respond(head, status: .methodNotAllowed, contentType: "text/plain; charset=utf-8",
                    body: Array("method not allowed\n".utf8), extra: [("Allow", "GET, HEAD")], context: context)
            return
        }
        guard path == "/metrics" else {
            respond(head, status: .notFound, contentType: "text/plain; charset=utf-8", body: Array("not found\n".utf8),
                    context: context)
            return
        }
        let promise = context.eventLoop.makePromise(of: [UInt8].self)
        let exporter = self.exporter
        promise.completeWithTask { await exporter.scrape() }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { body in
            bound.value.0.respond(head, status: .ok, contentType: RelayMetricsExporter.contentType, body: body, context: bound.value.1)
        }
    }

    private func respond(_ head: HTTPRequestHead, status: HTTPResponseStatus, contentType: String, body: [UInt8],
                         extra: [(String, String)] = [], context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", "\(body.count)")] + extra)
        let keepAlive = head.isKeepAlive
        headers.add(name: "Connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            var buffer = context.channel.allocator.buffer(capacity: body.count)
            buffer.writeBytes(body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { _ in context.close(promise: nil) } }
    }
}
