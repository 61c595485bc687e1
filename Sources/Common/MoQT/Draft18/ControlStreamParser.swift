import Wire

extension Draft18 {
    /// Incremental parser for a control or request stream: feed bytes as they arrive, take
    /// complete messages out. Partial messages stay buffered; nothing is consumed until a whole
    /// message is there.
    public struct ControlStreamParser: Sendable {
        private var buffer: [UInt8] = []
        private var start = 0
        /// How strictly messages are checked.
        public var options: DecodeOptions

        /// An empty parser.
        public init(options: DecodeOptions = .standard) { self.options = options }

        /// Bytes received but not yet consumed as messages.
        public var bufferedByteCount: Int { buffer.count - start }

        /// Appends received stream bytes.
        public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: bytes)
        }

        /// The next complete message, or nil if more bytes are needed. Throws `MoQTError` on
        /// malformed input (the stream is then unusable).
        public mutating func next() throws -> ControlMessage? {
            var r = ByteReader(buffer, range: start..<buffer.count)
            do {
                let m = try ControlMessage.decode(from: &r, options: options)
                start = r.offset
                return m
            } catch DecodeError.needMoreData {
                return nil
            } catch let e as MoQTError {
                throw e
            } catch {
                throw MoQTError.bounded(error, "control stream")
            }
        }

        /// Call at FIN: leftover bytes mean a message was cut short (PROTOCOL_VIOLATION).
        public func finish() throws {
            if bufferedByteCount > 0 { throw MoQTError.protocolViolation("stream ended inside a control message") }
        }
    }
}
