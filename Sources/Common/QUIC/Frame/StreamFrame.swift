/// A STREAM frame (RFC 9000 §19.8).
public struct StreamFrame: Equatable, Sendable {
    /// The stream.
    public var streamID: UInt64
    /// Offset of the first byte.
    public var offset: UInt64
    /// The data.
    public var data: [UInt8]
    /// True when this frame carries the end of the stream.
    public var fin: Bool
    /// Whether the frame carries an explicit Length field (a frame without one extends to the end of the packet).
    public var hasLength: Bool

    public init(streamID: UInt64, offset: UInt64, data: [UInt8], fin: Bool, hasLength: Bool = true) {
        self.streamID = streamID
        self.offset = offset
        self.data = data
        self.fin = fin
        self.hasLength = hasLength
    }

    /// The frame type byte: 0x08 | OFF | LEN | FIN.
    public var typeValue: UInt64 { FrameType.stream | (offset != 0 ? 0x04 : 0) | (hasLength ? 0x02 : 0) | (fin ? 0x01 : 0) }

    /// Encoded size of everything except the data.
    static func overhead(streamID: UInt64, offset: UInt64, length: Int, hasLength: Bool) -> Int {
        1 + QUICVarintLength(streamID) + (offset != 0 ? QUICVarintLength(offset) : 0) + (hasLength ? QUICVarintLength(UInt64(length)) : 0)
    }
}

import Wire
@inline(__always) func QUICVarintLength(_ v: UInt64) -> Int { QUICVarint.encodedLength(v) }
