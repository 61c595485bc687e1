import Wire

/// HTTP/3 frame types (RFC 9114 §7.2) this project handles by name.
public enum HTTP3FrameType {
    public static let data: UInt64 = 0x0
    public static let headers: UInt64 = 0x1
    public static let cancelPush: UInt64 = 0x3
    public static let settings: UInt64 = 0x4
    public static let pushPromise: UInt64 = 0x5
    public static let goaway: UInt64 = 0x7
    public static let maxPushID: UInt64 = 0xd

    /// HTTP/2 frame types with no HTTP/3 meaning (RFC 9114 §7.2.8): receiving one is H3_FRAME_UNEXPECTED.
    public static func isReservedHTTP2(_ type: UInt64) -> Bool { type == 0x2 || type == 0x6 || type == 0x8 || type == 0x9 }

    /// One frame: type, length, payload.
    public static func encode(type: UInt64, payload: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: payload.count + 16)
        w.writeVarint(type)
        w.writeVarint(UInt64(payload.count))
        w.writeBytes(payload)
        return w.bytes
    }
}

/// What `HTTP3FrameReader` found next on a stream.
public enum HTTP3FrameEvent: Equatable, Sendable {
    /// A whole frame of a type the reader buffers (anything but DATA and unknown types).
    case frame(type: UInt64, payload: [UInt8])
    /// The next bytes of a DATA frame's payload (DATA is streamed, never buffered whole).
    case data([UInt8])
    /// A DATA frame started (its payload may be empty).
    case dataStart
}

/// Reads HTTP/3 frames from a stream's bytes as they arrive. DATA payloads are handed on in
/// pieces; frames of unknown types (GREASE among them, RFC 9114 §9) are skipped without being
/// buffered; every other frame is buffered up to `maxFramePayload` bytes (beyond: H3_EXCESSIVE_LOAD).
public struct HTTP3FrameReader: Sendable {
    /// The largest buffered frame payload accepted.
    public var maxFramePayload: Int
    private var buffer: [UInt8] = []
    private var start = 0
    /// Bytes of the current DATA frame or skipped frame still to come.
    private var dataLeft = 0
    private var skipLeft = 0

    public init(maxFramePayload: Int = 16 << 10) { self.maxFramePayload = maxFramePayload }

    /// True when no frame is partly read (a FIN here ends the stream cleanly).
    public var isAtFrameBoundary: Bool { dataLeft == 0 && skipLeft == 0 && start == buffer.count }

    /// The bytes received and not parsed yet (after the last complete frame), e.g. to hand a
    /// stream over to another protocol.
    public var unparsed: [UInt8] { Array(buffer[start...]) }

    public mutating func append(_ bytes: [UInt8]) {
        if start > 0 && start == buffer.count { buffer.removeAll(keepingCapacity: true); start = 0 }
        if start > 4096 && start * 2 > buffer.count { buffer.removeFirst(start); start = 0 }
        buffer.append(contentsOf: bytes)
    }

    /// The next event, or nil until more bytes arrive.
    public mutating func next() throws(HTTP3Error) -> HTTP3FrameEvent? {
        while true {
            let available = buffer.count - start
            if skipLeft > 0 {
                let n = min(skipLeft, available)
                start += n
                skipLeft -= n
                if skipLeft > 0 { return nil }
                continue
            }
            if dataLeft > 0 {
                guard available > 0 else { return nil }
                let n = min(dataLeft, available)
                let chunk = Array(buffer[start..<(start + n)])
                start += n
                dataLeft -= n
                return .data(chunk)
            }
            var reader = ByteReader(buffer, range: start..<buffer.count)
            let type: UInt64, length: UInt64
            do {
                type = try reader.readVarint()
                length = try reader.readVarint()
            } catch {
                return nil
            }
            if type == HTTP3FrameType.data {
                guard length <= UInt64(Int.max) else { throw HTTP3Error(.frameError, "DATA length") }
                start = reader.offset
                dataLeft = Int(length)
                return .dataStart
            }
            if !Self.isBuffered(type) {
                guard length <= UInt64(Int.max) else { throw HTTP3Error(.frameError, "frame length") }
                start = reader.offset
                skipLeft = Int(length)
                continue
            }
            guard length <= UInt64(maxFramePayload) else {
                throw HTTP3Error(.excessiveLoad, "frame type 0x\(String(type, radix: 16)) of \(length) bytes")
            }
            guard reader.remaining >= Int(length) else { return nil }
            let payload = Array(buffer[reader.offset..<(reader.offset + Int(length))])
            start = reader.offset + Int(length)
            return .frame(type: type, payload: payload)
        }
    }

    /// Types whose payload is buffered: the known ones and HTTP/2's reserved ones (so the caller
    /// can reject them).
    static func isBuffered(_ type: UInt64) -> Bool {
        type <= 0x9 || type == HTTP3FrameType.maxPushID
    }
}
