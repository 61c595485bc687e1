import Wire

extension Draft18 {
    /// Incremental parser for a unidirectional stream: feed bytes as they arrive and take out
    /// the stream header and then objects. Nothing is consumed until a whole item is there, so
    /// feeding byte by byte gives the same events as feeding everything at once.
    ///
    /// A stream that turns out to be the peer's control stream yields `.controlStream` once and
    /// keeps its bytes for `takeBufferedBytes()` (feed them to a `ControlStreamParser`).
    ///
    /// With `streamPayloads`, objects come out as a header event followed by `.payload` chunks as
    /// bytes arrive (nothing waits for a whole object); otherwise each object comes out whole.
    /// An object on a data stream announced a payload larger than the receiver's limit
    /// (`DataStreamParser.maxObjectPayload`, checked by the object coders as they read the header):
    /// the stream is abandoned, the session goes on.
    public struct ObjectTooLarge: Error, Hashable, Sendable {
        public var objectID: UInt64
        public var payloadLength: UInt64
    }

    public struct DataStreamParser: Sendable {
        /// What the parser found.
        public enum Event: Hashable, Sendable {
            /// The stream is a subgroup stream with this header.
            case subgroupHeader(SubgroupHeader)
            /// An object of the subgroup (its subgroup ID is `subgroupID` once known).
            case subgroupObject(SubgroupObject)
            /// The stream answers FETCH `requestID`.
            case fetchHeader(FetchHeader)
            /// An item of the fetch response.
            case fetchItem(FetchStreamItem)
            /// The stream is the peer's control stream; its bytes (from SETUP on) are buffered.
            case controlStream
            /// Padding bytes were discarded.
            case padding(Int)
            /// Streaming mode: a subgroup object's fields; `payloadLength` bytes follow as `.payload`.
            case subgroupObjectHeader(SubgroupObjectHeader)
            /// Streaming mode: a fetch object's fields; `payloadLength` bytes follow as `.payload`.
            case fetchObjectHeader(FetchObjectHeader)
            /// Streaming mode: the next payload bytes of the current object; `isFinal` on the last.
            case payload([UInt8], isFinal: Bool)
        }

        private indirect enum State: Sendable {
            case streamType
            case payload(remaining: UInt64, then: State)
            case subgroup(SubgroupHeader, SubgroupObjectCoder)
            case fetch(FetchObjectCoder)
            case control
            case padding
        }

        private var buffer: [UInt8] = []
        private var start = 0
        private var state: State = .streamType
        private let groupOrderForFetch: @Sendable (UInt64) -> GroupOrder
        /// Whether objects are delivered as header + payload chunks.
        public let streamPayloads: Bool
        /// Largest object payload accepted in whole-object mode: a larger one throws
        /// `ObjectTooLarge` as soon as its header is read, before its payload is buffered.
        public var maxObjectPayload: UInt64 = .max

        /// The header of a subgroup stream, once read.
        public private(set) var subgroupHeader: SubgroupHeader?
        /// The subgroup ID, once known (for mode "first object ID", after the first object).
        public private(set) var subgroupID: UInt64?

        /// The draft of the session (draft-22 fetch streams may end a range as timed out).
        public var draft: MoQTDraft = .draft18

        /// A parser. `groupOrderForFetch` gives the group order of the FETCH a fetch stream answers
        /// (Group ID Delta depends on it); ascending by default.
        public init(streamPayloads: Bool = false, groupOrderForFetch: @escaping @Sendable (UInt64) -> GroupOrder = { _ in .ascending }) {
            self.streamPayloads = streamPayloads
            self.groupOrderForFetch = groupOrderForFetch
        }

        /// Bytes received but not yet consumed.
        public var bufferedByteCount: Int { buffer.count - start }

        /// Appends received stream bytes.
        public mutating func append<C: Collection>(_ bytes: C) where C.Element == UInt8 {
            if start > 0 && start >= buffer.count / 2 {
                buffer.removeFirst(start)
                start = 0
            }
            buffer.append(contentsOf: bytes)
        }

        /// Hands over the unconsumed bytes (for a control stream) and empties the buffer.
        public mutating func takeBufferedBytes() -> [UInt8] {
            defer { buffer = []; start = 0 }
            return Array(buffer[start...])
        }

        /// The next event, or nil when more bytes are needed. Throws `MoQTError` on malformed input.
        public mutating func next() throws -> Event? {
            var r = ByteReader(buffer, range: start..<buffer.count)
            do {
                let event = try step(&r)
                start = r.offset
                return event
            } catch DecodeError.needMoreData {
                return nil
            } catch let e as MoQTError {
                throw e
            } catch let e as ObjectTooLarge {
                throw e
            } catch {
                throw MoQTError.bounded(error, "data stream")
            }
        }

        /// All events available now.
        public mutating func drain() throws -> [Event] {
            var events: [Event] = []
            while let e = try next() { events.append(e) }
            return events
        }

        /// Call at FIN: a stream ending inside a header or an object is PROTOCOL_VIOLATION.
        public func finish() throws {
            switch state {
            case .padding, .control: return
            case .payload: throw MoQTError.protocolViolation("stream ended inside an object payload")
            default:
                if bufferedByteCount > 0 { throw MoQTError.protocolViolation("stream ended inside a header or object") }
            }
        }

        private mutating func step(_ r: inout ByteReader) throws -> Event? {
            switch state {
            case .streamType:
                let type = try r.peekVI64()
                switch try UniStreamType.classify(type) {
                case .subgroup:
                    let header = try SubgroupHeader.decode(from: &r)
                    subgroupHeader = header
                    if case .firstObjectID = header.subgroupID {} else { subgroupID = header.resolvedSubgroupID(firstObjectID: 0) }
                    state = .subgroup(header, SubgroupObjectCoder(header: header))
                    return .subgroupHeader(header)
                case .fetch:
                    let header = try FetchHeader.decode(from: &r)
                    var coder = FetchObjectCoder(groupOrder: groupOrderForFetch(header.requestID))
                    coder.acceptsTimedOutRange = draft == .draft22
                    state = .fetch(coder)
                    return .fetchHeader(header)
                case .control:
                    state = .control
                    return .controlStream
                case .padding:
                    _ = try r.readVI64()
                    state = .padding
                    return .padding(0)
                }
            case .payload(let remaining, let then):
                guard !r.isAtEnd else { return nil }
                let n = Int(min(remaining, UInt64(r.remaining)))
                let chunk = try r.readBytes(n)
                let left = remaining - UInt64(n)
                state = left == 0 ? then : .payload(remaining: left, then: then)
                return .payload(chunk, isFinal: left == 0)
            case .subgroup(let header, var coder) where streamPayloads:
                guard !r.isAtEnd else { return nil }
                let head = try coder.decodeHeader(from: &r)
                if subgroupID == nil { subgroupID = header.resolvedSubgroupID(firstObjectID: head.objectID) }
                state = head.payloadLength > 0 ? .payload(remaining: head.payloadLength, then: .subgroup(header, coder)) : .subgroup(header, coder)
                return .subgroupObjectHeader(head)
            case .fetch(var coder) where streamPayloads:
                guard !r.isAtEnd else { return nil }
                switch try coder.decodeHeader(from: &r) {
                case .endOfRange(let l, let nonExistent):
                    state = .fetch(coder)
                    return .fetchItem(.endOfRange(l, nonExistent: nonExistent))
                case .object(let head):
                    state = head.payloadLength > 0 ? .payload(remaining: head.payloadLength, then: .fetch(coder)) : .fetch(coder)
                    return .fetchObjectHeader(head)
                }
            case .subgroup(let header, var coder):
                guard !r.isAtEnd else { return nil }
                let object = try coder.decode(from: &r, maxPayload: maxObjectPayload)
                if subgroupID == nil { subgroupID = header.resolvedSubgroupID(firstObjectID: object.objectID) }
                state = .subgroup(header, coder)
                return .subgroupObject(object)
            case .fetch(var coder):
                guard !r.isAtEnd else { return nil }
                let item = try coder.decode(from: &r, maxPayload: maxObjectPayload)
                state = .fetch(coder)
                return .fetchItem(item)
            case .control:
                return nil
            case .padding:
                guard !r.isAtEnd else { return nil }
                let n = r.remaining
                try r.skip(n)
                return .padding(n)
            }
        }
    }
}
