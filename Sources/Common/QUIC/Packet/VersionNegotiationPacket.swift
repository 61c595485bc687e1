import Wire

/// Builds Version Negotiation packets (RFC 9000 §17.2.1).
public enum VersionNegotiationPacket {
    /// A Version Negotiation packet answering a client packet: connection IDs echoed (swapped).
    public static func encode(destinationConnectionID: [UInt8], sourceConnectionID: [UInt8], supportedVersions: [UInt32], randomByte: UInt8 = 0x40) -> [UInt8] {
        var w = ByteWriter(capacity: 64)
        w.writeUInt8(0x80 | (randomByte & 0x7f))
        w.writeUInt32(0)
        w.writeUInt8(UInt8(destinationConnectionID.count)); w.writeBytes(destinationConnectionID)
        w.writeUInt8(UInt8(sourceConnectionID.count)); w.writeBytes(sourceConnectionID)
        for v in supportedVersions { w.writeUInt32(v) }
        return w.bytes
    }
}
