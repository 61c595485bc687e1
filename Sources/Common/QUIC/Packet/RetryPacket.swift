import Wire

/// Builds Retry packets (RFC 9000 §17.2.5) with their integrity tag (RFC 9001 §5.8).
public enum RetryPacket {
    /// The Retry packet without its tag.
    public static func encodeWithoutTag(destinationConnectionID: QUICConnectionID, sourceConnectionID: QUICConnectionID, token: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: 64 + token.count)
        w.writeUInt8(0xf0)
        w.writeUInt32(QUICVersion.v1)
        w.writeUInt8(UInt8(destinationConnectionID.count)); w.writeBytes(destinationConnectionID.bytes)
        w.writeUInt8(UInt8(sourceConnectionID.count)); w.writeBytes(sourceConnectionID.bytes)
        w.writeBytes(token)
        return w.bytes
    }

    /// A complete Retry packet.
    public static func encode(destinationConnectionID: QUICConnectionID, sourceConnectionID: QUICConnectionID, token: [UInt8],
                              originalDestinationConnectionID: QUICConnectionID) -> [UInt8] {
        let body = encodeWithoutTag(destinationConnectionID: destinationConnectionID, sourceConnectionID: sourceConnectionID, token: token)
        return body + RetryIntegrity.tag(retryPacketWithoutTag: body, originalDestinationConnectionID: originalDestinationConnectionID.bytes)
    }

    /// The bytes a Retry's integrity tag covers: the packet without its tag.
    public static func bytesWithoutTag(_ datagram: [UInt8], header: PacketHeader) -> [UInt8] {
        Array(datagram[header.packetStart..<(header.packetEnd - 16)])
    }
}
