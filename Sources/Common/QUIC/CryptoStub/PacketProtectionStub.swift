// TEMPORARY stand-in for the packet protection API being written on branch quic-tls
// (Sources/Common/QUIC/Crypto). Same names and signatures; NOT real cryptography. Deleted when
// that branch lands on main.
import Crypto

public struct PacketProtectionError: Error, Equatable {}

public struct PacketProtection: Sendable {
    public let suite: CipherSuite
    public let secret: [UInt8]
    public init(suite: CipherSuite, secret: [UInt8]) { self.suite = suite; self.secret = secret }
    public var tagLength: Int { 16 }
    private func tag(_ payload: ArraySlice<UInt8>, _ pn: UInt64, _ header: ArraySlice<UInt8>) -> [UInt8] {
        var h = SHA256()
        h.update(data: secret); h.update(data: withUnsafeBytes(of: pn.bigEndian) { Array($0) }); h.update(data: Array(header)); h.update(data: Array(payload))
        return Array(h.finalize()).prefix(16).map { $0 }
    }
    public func seal(payload: ArraySlice<UInt8>, packetNumber: UInt64, header: ArraySlice<UInt8>) -> [UInt8] {
        Array(payload) + tag(payload, packetNumber, header)
    }
    public func open(ciphertext: ArraySlice<UInt8>, packetNumber: UInt64, header: ArraySlice<UInt8>) throws(PacketProtectionError) -> [UInt8] {
        guard ciphertext.count >= 16 else { throw PacketProtectionError() }
        let payload = ciphertext.dropLast(16)
        guard tag(payload, packetNumber, header) == Array(ciphertext.suffix(16)) else { throw PacketProtectionError() }
        return Array(payload)
    }
    public func headerProtectionMask(sample: ArraySlice<UInt8>) -> [UInt8] {
        var h = SHA256(); h.update(data: secret + [0x68]); h.update(data: Array(sample))
        return Array(Array(h.finalize()).prefix(5))
    }
    public func nextKeyPhase() -> PacketProtection {
        PacketProtection(suite: suite, secret: Array(SHA256.hash(data: secret + Array("ku".utf8))))
    }
}

public enum InitialSecrets {
    public static func protections(destinationConnectionID: [UInt8]) -> (client: PacketProtection, server: PacketProtection) {
        (PacketProtection(suite: .aes128GCMSHA256, secret: Array(SHA256.hash(data: Array("client".utf8) + destinationConnectionID))),
         PacketProtection(suite: .aes128GCMSHA256, secret: Array(SHA256.hash(data: Array("server".utf8) + destinationConnectionID))))
    }
}

public enum RetryIntegrity {
    public static func tag(retryPacketWithoutTag: [UInt8], originalDestinationConnectionID: [UInt8]) -> [UInt8] {
        Array(Array(SHA256.hash(data: originalDestinationConnectionID + retryPacketWithoutTag)).prefix(16))
    }
}

public enum HeaderProtection {
    public static func apply(packet: inout [UInt8], packetNumberOffset: Int, packetNumberLength: Int, protection: PacketProtection) {
        let sample = packet[(packetNumberOffset + 4)..<(packetNumberOffset + 20)]
        let mask = protection.headerProtectionMask(sample: sample)
        packet[0] ^= mask[0] & (packet[0] & 0x80 != 0 ? 0x0f : 0x1f)
        for i in 0..<packetNumberLength { packet[packetNumberOffset + i] ^= mask[1 + i] }
    }
    public static func remove(packet: inout [UInt8], packetNumberOffset: Int, protection: PacketProtection) throws(PacketProtectionError) -> Int {
        guard packet.count >= packetNumberOffset + 20 else { throw PacketProtectionError() }
        let sample = packet[(packetNumberOffset + 4)..<(packetNumberOffset + 20)]
        let mask = protection.headerProtectionMask(sample: sample)
        packet[0] ^= mask[0] & (packet[0] & 0x80 != 0 ? 0x0f : 0x1f)
        let length = Int(packet[0] & 0x03) + 1
        for i in 0..<length { packet[packetNumberOffset + i] ^= mask[1 + i] }
        return length
    }
}
