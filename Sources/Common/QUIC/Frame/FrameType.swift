/// QUIC frame type values (RFC 9000 §19, Table 3; RFC 9221 for DATAGRAM).
public enum FrameType {
    public static let padding: UInt64 = 0x00
    public static let ping: UInt64 = 0x01
    public static let ack: UInt64 = 0x02
    public static let ackECN: UInt64 = 0x03
    public static let resetStream: UInt64 = 0x04
    public static let stopSending: UInt64 = 0x05
    public static let crypto: UInt64 = 0x06
    public static let newToken: UInt64 = 0x07
    /// STREAM frames are 0x08...0x0f; the low bits are OFF (0x04), LEN (0x02), FIN (0x01).
    public static let stream: UInt64 = 0x08
    public static let maxData: UInt64 = 0x10
    public static let maxStreamData: UInt64 = 0x11
    public static let maxStreamsBidi: UInt64 = 0x12
    public static let maxStreamsUni: UInt64 = 0x13
    public static let dataBlocked: UInt64 = 0x14
    public static let streamDataBlocked: UInt64 = 0x15
    public static let streamsBlockedBidi: UInt64 = 0x16
    public static let streamsBlockedUni: UInt64 = 0x17
    public static let newConnectionID: UInt64 = 0x18
    public static let retireConnectionID: UInt64 = 0x19
    public static let pathChallenge: UInt64 = 0x1a
    public static let pathResponse: UInt64 = 0x1b
    public static let connectionCloseTransport: UInt64 = 0x1c
    public static let connectionCloseApplication: UInt64 = 0x1d
    public static let handshakeDone: UInt64 = 0x1e
    /// DATAGRAM without a length field (RFC 9221).
    public static let datagram: UInt64 = 0x30
    /// DATAGRAM with a length field (RFC 9221).
    public static let datagramWithLength: UInt64 = 0x31
    /// ACK_FREQUENCY (draft-ietf-quic-ack-frequency).
    public static let ackFrequency: UInt64 = 0xaf
    /// IMMEDIATE_ACK (draft-ietf-quic-ack-frequency).
    public static let immediateAck: UInt64 = 0x1f
}
