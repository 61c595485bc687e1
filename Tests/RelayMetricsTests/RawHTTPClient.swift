import NIOCore
import NIOPosix

/// Sends raw bytes to a TCP server and returns everything it answers until it closes the
/// connection (the requests must end with `Connection: close`).
enum RawHTTPClient {
    private final class Collector: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var bytes: [UInt8] = []
        let done: EventLoopPromise<[UInt8]>
        init(done: EventLoopPromise<[UInt8]>) { self.done = done }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            bytes += buffer.readBytes(length: buffer.readableBytes) ?? []
        }
        func channelInactive(context: ChannelHandlerContext) { done.succeed(bytes) }
        // A reset after the server's answer (it closes with our unread bytes pending) ends the exchange too.
        func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
    }

    static func exchange(port: Int, request: String) async throws -> String {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let done = loop.makePromise(of: [UInt8].self)
        let collector = Collector(done: done)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { $0.pipeline.addHandler(collector) }
            .connect(host: "127.0.0.1", port: port).get()
        var buffer = channel.allocator.buffer(capacity: request.utf8.count)
        buffer.writeString(request)
        try await channel.writeAndFlush(buffer).get()
        let timeout = loop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
        defer { timeout.cancel() }
        return String(decoding: try await done.futureResult.get(), as: UTF8.self)
    }
}
