/// Applies and removes header protection on a whole packet in place (RFC 9001 §5.4.1, §5.4.2).
///
/// The sample starts 4 bytes after the start of the packet number field (as if it were 4 bytes long),
/// so the payload must be padded so that at least 20 bytes follow the packet-number offset.
public enum HeaderProtection {
    /// Length of the ciphertext sample.
    public static let sampleLength = 16

    /// Masks the first byte's low bits (4 for long headers, 5 for short) and the packet number bytes.
    /// `packet` holds the header with the unprotected packet number, followed by the sealed payload.
    /// Precondition: the packet is long enough to sample (the packet builder guarantees it).
    public static func apply(packet: inout [UInt8], packetNumberOffset: Int, packetNumberLength: Int, protection: PacketProtection) {
        let sampleStart = packetNumberOffset + 4
        precondition(packetNumberOffset >= 1 && (1...4).contains(packetNumberLength)
            && packet.count >= sampleStart + sampleLength, "packet too short for header protection")
        let mask = protection.headerProtectionMaskBits(packet: packet, sampleStart: sampleStart)
        let isLongHeader = packet[0] & 0x80 != 0
        packet[0] ^= UInt8(truncatingIfNeeded: mask) & (isLongHeader ? 0x0f : 0x1f)
        for i in 0..<packetNumberLength {
            packet[packetNumberOffset + i] ^= UInt8(truncatingIfNeeded: mask >> (8 * UInt64(1 + i)))
        }
    }

    /// Unmasks the first byte and the packet number bytes in place and returns the packet number length
    /// (1...4) read from the unmasked first byte. Throws `packetTooShort` if the packet cannot be sampled.
    public static func remove(packet: inout [UInt8], packetNumberOffset: Int, protection: PacketProtection) throws(PacketProtectionError) -> Int {
        let sampleStart = packetNumberOffset + 4
        guard packetNumberOffset >= 1, packet.count >= sampleStart + sampleLength else { throw .packetTooShort }
        let mask = protection.headerProtectionMaskBits(packet: packet, sampleStart: sampleStart)
        let isLongHeader = packet[0] & 0x80 != 0
        packet[0] ^= UInt8(truncatingIfNeeded: mask) & (isLongHeader ? 0x0f : 0x1f)
        let packetNumberLength = Int(packet[0] & 0x03) + 1
        for i in 0..<packetNumberLength {
            packet[packetNumberOffset + i] ^= UInt8(truncatingIfNeeded: mask >> (8 * UInt64(1 + i)))
        }
        return packetNumberLength
    }
}
