import Crypto
import Foundation

/// The Retry packet integrity tag (RFC 9001 §5.8): AES-128-GCM over the Retry pseudo-packet with a
/// fixed key and nonce for QUIC version 1.
public enum RetryIntegrity {
    /// The fixed version 1 key.
    static let keyV1: [UInt8] = [
        0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8, 0x4e,
    ]
    /// The fixed version 1 nonce.
    static let nonceV1: [UInt8] = [0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb]

    private static let key = SymmetricKey(data: keyV1)

    /// The 16-byte tag for a Retry packet (all its bytes before the tag) sent in answer to a client
    /// Initial whose Destination Connection ID was `originalDestinationConnectionID`.
    public static func tag(retryPacketWithoutTag: [UInt8], originalDestinationConnectionID: [UInt8]) -> [UInt8] {
        var pseudoPacket: [UInt8] = []
        pseudoPacket.reserveCapacity(1 + originalDestinationConnectionID.count + retryPacketWithoutTag.count)
        pseudoPacket.append(UInt8(truncatingIfNeeded: originalDestinationConnectionID.count))
        pseudoPacket.append(contentsOf: originalDestinationConnectionID)
        pseudoPacket.append(contentsOf: retryPacketWithoutTag)
        // Fixed, valid key and nonce sizes: these calls cannot fail.
        let box = try! AES.GCM.seal([UInt8](), using: key, nonce: try! AES.GCM.Nonce(data: nonceV1), authenticating: pseudoPacket)
        return Array(box.tag)
    }

    /// True if the last 16 bytes of `retryPacket` are its valid integrity tag.
    public static func isValid(retryPacket: [UInt8], originalDestinationConnectionID: [UInt8]) -> Bool {
        guard retryPacket.count >= 16 else { return false }
        let withoutTag = Array(retryPacket[..<(retryPacket.count - 16)])
        let expected = tag(retryPacketWithoutTag: withoutTag, originalDestinationConnectionID: originalDestinationConnectionID)
        // Constant-time comparison: the tag authenticates the packet.
        var difference: UInt8 = 0
        for (a, b) in zip(expected, retryPacket[(retryPacket.count - 16)...]) { difference |= a ^ b }
        return difference == 0
    }
}
