import NIOCore
import QUIC

/// One QUIC stream with an async API: `read()` returns chunks (nil at the end), `write` waits
/// while the send buffer is full (back-pressure), and the stream is an `AsyncSequence` of chunks.
public final class QUICStream: AsyncSequence, @unchecked Sendable {
    public typealias Element = [UInt8]
    /// The connection it belongs to.
    /// Strong: a stream the application holds keeps its connection (which drops its streams once it fails).
    public let connection: QUICConnection
    /// The QUIC stream ID.
    public let id: UInt64
    private var readWaiter: CheckedContinuation<[UInt8]?, Error>?
    private var writeWaiter: CheckedContinuation<Void, Error>?
    private var readFinished = false
    private var readError: QUICIOError?
    private var writeError: QUICIOError?

    init(connection: QUICConnection, id: UInt64) {
        self.connection = connection
        self.id = id
    }

    /// True for bidirectional streams.
    public var isBidirectional: Bool { id & 0x2 == 0 }
    /// True when we opened the stream.
    public var isLocallyInitiated: Bool { (id & 0x1 == 0) == (connection.core.role == .client) }

    private var eventLoop: EventLoop { connection.eventLoop }

    /// The next chunk of received data, or nil once the peer finished the stream.
    /// Throws `QUICIOError.streamReset` if the peer reset it.
    public func read() async throws -> [UInt8]? {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<[UInt8]?, Error>) in
            eventLoop.execute {
                precondition(self.readWaiter == nil, "one reader per stream")
                self.readWaiter = c
                self.tryRead()
            }
        }
    }

    /// Reads everything until the end of the stream.
    public func readAll(limit: Int = .max) async throws -> [UInt8] {
        var all: [UInt8] = []
        while let chunk = try await read() {
            all += chunk
            if all.count > limit { throw QUICIOError.tooLarge(limit: limit) }
        }
        return all
    }

    /// Writes all of `bytes`, waiting while the stream's send buffer is full.
    public func write(_ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let accepted: Int = try await connection.withCore { core in
                if let e = self.writeError { throw e }
                return try core.write(streamID: self.id, data: bytes[offset...])
            }
            offset += accepted
            if accepted == 0 { try await waitWritable() }
        }
    }

    /// Finishes our sending side (FIN).
    public func finish() async throws {
        try await connection.withCore { core in try core.finish(streamID: self.id) }
    }

    /// Writes `bytes` and finishes the stream.
    public func writeAndFinish(_ bytes: [UInt8]) async throws {
        try await write(bytes)
        try await finish()
    }

    /// Abandons our sending side (RESET_STREAM).
    public func reset(errorCode: UInt64) async throws {
        try await connection.withCore { core in try core.resetStream(streamID: self.id, errorCode: errorCode) }
    }

    /// Asks the peer to stop sending (STOP_SENDING).
    public func stopSending(errorCode: UInt64) async throws {
        try await connection.withCore { core in try core.stopSending(streamID: self.id, errorCode: errorCode) }
    }

    private func waitWritable() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
            eventLoop.execute {
                if let e = self.writeError { c.resume(throwing: e); return }
                if self.connection.core.writableBytes(streamID: self.id) > 0 { c.resume(); return }
                self.writeWaiter = c
            }
        }
    }

    // MARK: Event-loop side

    private func tryRead() {
        guard let waiter = readWaiter else { return }
        if let e = readError { readWaiter = nil; waiter.resume(throwing: e); return }
        if readFinished { readWaiter = nil; waiter.resume(returning: nil); return }
        do {
            let result = try connection.core.read(streamID: id, maxLength: 1 << 20)
            if result.isFinished { readFinished = true }
            if !result.data.isEmpty {
                readWaiter = nil
                waiter.resume(returning: result.data)
                connection.endpoint.markDirty(connection.handle)  // credit updates may be due
                connection.endpoint.eventLoop.execute { self.connection.endpoint.process() }
            } else if result.isFinished {
                readWaiter = nil
                waiter.resume(returning: nil)
            }
        } catch let e as StreamError {
            readWaiter = nil
            waiter.resume(throwing: QUICIOError.stream(e))
        } catch {
            readWaiter = nil
            waiter.resume(throwing: error)
        }
    }

    func readable() { tryRead() }

    func writable() {
        if let w = writeWaiter { writeWaiter = nil; w.resume() }
    }

    func resetByPeer(_ code: UInt64) {
        readError = .streamReset(errorCode: code)
        tryRead()
    }

    func stopSendingByPeer(_ code: UInt64) {
        writeError = .stopSending(errorCode: code)
        if let w = writeWaiter { writeWaiter = nil; w.resume(throwing: QUICIOError.stopSending(errorCode: code)) }
    }

    func fail(_ error: QUICIOError) {
        if readError == nil && !readFinished { readError = error }
        if writeError == nil { writeError = error }
        tryRead()
        if let w = writeWaiter { writeWaiter = nil; w.resume(throwing: error) }
    }

    // MARK: AsyncSequence

    public struct AsyncIterator: AsyncIteratorProtocol {
        let stream: QUICStream
        public mutating func next() async throws -> [UInt8]? { try await stream.read() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(stream: self) }
}
