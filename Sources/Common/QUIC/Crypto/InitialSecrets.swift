/// Initial packet protection, derived from the client's first Destination Connection ID (RFC 9001 §5.2).
public enum InitialSecrets {
    /// The QUIC version 1 Initial salt.
    public static let saltV1: [UInt8] = [
        0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
        0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a,
    ]

    /// Client and server Initial protections for the client's first Destination Connection ID.
    /// Initial packets always use AES-128-GCM with SHA-256.
    public static func protections(destinationConnectionID: [UInt8]) -> (client: PacketProtection, server: PacketProtection) {
        let secrets = self.secrets(destinationConnectionID: destinationConnectionID)
        return (
            client: PacketProtection(suite: .aes128GCMSHA256, secret: secrets.client),
            server: PacketProtection(suite: .aes128GCMSHA256, secret: secrets.server)
        )
    }

    /// The client and server Initial traffic secrets ("client in" / "server in").
    public static func secrets(destinationConnectionID: [UInt8]) -> (client: [UInt8], server: [UInt8]) {
        let initialSecret = HKDFExpandLabel.extractSHA256(salt: saltV1, inputKeyMaterial: destinationConnectionID)
        let client = HKDFExpandLabel.expand(secret: initialSecret, label: "client in", length: 32, suite: .aes128GCMSHA256)
        let server = HKDFExpandLabel.expand(secret: initialSecret, label: "server in", length: 32, suite: .aes128GCMSHA256)
        return (client, server)
    }
}
