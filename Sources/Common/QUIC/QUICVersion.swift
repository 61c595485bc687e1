/// QUIC versions this implementation speaks.
public enum QUICVersion {
    /// QUIC version 1 (RFC 9000).
    public static let v1: UInt32 = 0x0000_0001
}
