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

    /// Encoded size of everything except the data; `streamIDLength` forces the stream ID's varint size.
    static func overhead(streamID: UInt64, offset: UInt64, length: Int, hasLength: Bool, streamIDLength: Int? = nil) -> Int {
        1 + (streamIDLength ?? QUICVarintLength(streamID)) + (offset != 0 ? QUICVarintLength(offset) : 0) + (hasLength ? QUICVarintLength(UInt64(length)) : 0)
    }

    /// The fixed stream ID size of the fast-path encoding: 4 bytes, 8 from 2^30 on.
    static func fixedStreamIDLength(_ streamID: UInt64) -> Int { streamID < 1 << 30 ? 4 : 8 }

    /// Appends the frame with the stream ID encoded on exactly `streamIDLength` bytes (a valid,
    /// non-minimal varint), the rest as `Frame.encode` does.
    func encode(to w: inout ByteWriter, streamIDLength: Int) {
        w.writeVarint(typeValue)
        w.writeVarint(streamID, length: streamIDLength)
        if offset != 0 { w.writeVarint(offset) }
        if hasLength { w.writeVarint(UInt64(data.count)) }
        w.writeBytes(data)
    }

    /// Appends everything of a STREAM frame with a Length field except its `length` data bytes, which the
    /// caller appends next (so stream bytes go from the send buffer into the packet without an array
    /// of their own). Same bytes as `encode(to:streamIDLength:)` of the whole frame.
    static func encodeHeader(streamID: UInt64, offset: UInt64, length: Int, fin: Bool, streamIDLength: Int, to w: inout ByteWriter) {
        w.writeVarint(FrameType.stream | (offset != 0 ? 0x04 : 0) | 0x02 | (fin ? 0x01 : 0))
        w.writeVarint(streamID, length: streamIDLength)
        if offset != 0 { w.writeVarint(offset) }
        w.writeVarint(UInt64(length))
    }
}

import Wire
@inline(__always) func QUICVarintLength(_ v: UInt64) -> Int { QUICVarint.encodedLength(v) }
