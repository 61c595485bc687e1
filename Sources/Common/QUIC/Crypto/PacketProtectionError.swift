/// A packet could not be unprotected (RFC 9001 §5). The receiver drops such packets;
/// errors compare equal on their code alone.
public struct PacketProtectionError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case decryptionFailed
        case packetTooShort
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// AEAD authentication failed: wrong keys, wrong packet number, or tampered bytes.
    public static let decryptionFailed = PacketProtectionError(.decryptionFailed)
    /// The packet is too short to hold an AEAD tag or a header-protection sample.
    public static let packetTooShort = PacketProtectionError(.packetTooShort)

    public var description: String {
        switch code {
        case .decryptionFailed: return "packet decryption failed"
        case .packetTooShort: return "packet too short"
        }
    }
}
