/// Every frame QUIC v1 defines (RFC 9000 §19) plus DATAGRAM (RFC 9221).
/// Decoding and encoding live side by side in `Frame+Decode.swift` and `Frame+Encode.swift`.
public enum Frame: Equatable, Sendable {
    /// A run of PADDING bytes (decoded runs are merged).
    case padding(count: Int)
    case ping
    case ack(AckFrame)
    case resetStream(streamID: UInt64, errorCode: UInt64, finalSize: UInt64)
    case stopSending(streamID: UInt64, errorCode: UInt64)
    case crypto(offset: UInt64, data: [UInt8])
    case newToken([UInt8])
    case stream(StreamFrame)
    case maxData(UInt64)
    case maxStreamData(streamID: UInt64, maximum: UInt64)
    case maxStreams(bidirectional: Bool, maximum: UInt64)
    case dataBlocked(limit: UInt64)
    case streamDataBlocked(streamID: UInt64, limit: UInt64)
    case streamsBlocked(bidirectional: Bool, limit: UInt64)
    case newConnectionID(NewConnectionIDFrame)
    case retireConnectionID(sequenceNumber: UInt64)
    case pathChallenge([UInt8])
    case pathResponse([UInt8])
    case connectionClose(ConnectionCloseFrame)
    case handshakeDone
    /// ACK_FREQUENCY: how the peer should delay its acknowledgments (draft-ietf-quic-ack-frequency §4).
    case ackFrequency(AckFrequencyFrame)
    /// IMMEDIATE_ACK: acknowledge at once (draft-ietf-quic-ack-frequency §5).
    case immediateAck
    /// A DATAGRAM frame; `hasLength` selects type 0x31 over 0x30.
    case datagram(data: [UInt8], hasLength: Bool)

    /// The frame's type value as it is (or would be) encoded.
    public var typeValue: UInt64 {
        switch self {
        case .padding: return FrameType.padding
        case .ping: return FrameType.ping
        case .ack(let a): return a.ecn == nil ? FrameType.ack : FrameType.ackECN
        case .resetStream: return FrameType.resetStream
        case .stopSending: return FrameType.stopSending
        case .crypto: return FrameType.crypto
        case .newToken: return FrameType.newToken
        case .stream(let s): return s.typeValue
        case .maxData: return FrameType.maxData
        case .maxStreamData: return FrameType.maxStreamData
        case .maxStreams(let bidi, _): return bidi ? FrameType.maxStreamsBidi : FrameType.maxStreamsUni
        case .dataBlocked: return FrameType.dataBlocked
        case .streamDataBlocked: return FrameType.streamDataBlocked
        case .streamsBlocked(let bidi, _): return bidi ? FrameType.streamsBlockedBidi : FrameType.streamsBlockedUni
        case .newConnectionID: return FrameType.newConnectionID
        case .retireConnectionID: return FrameType.retireConnectionID
        case .pathChallenge: return FrameType.pathChallenge
        case .pathResponse: return FrameType.pathResponse
        case .connectionClose(let c): return c.isApplication ? FrameType.connectionCloseApplication : FrameType.connectionCloseTransport
        case .handshakeDone: return FrameType.handshakeDone
        case .ackFrequency: return FrameType.ackFrequency
        case .immediateAck: return FrameType.immediateAck
        case .datagram(_, let hasLength): return hasLength ? FrameType.datagramWithLength : FrameType.datagram
        }
    }

    /// Probing frames (RFC 9000 §9.1): a packet of only these does not move the connection to a new path.
    public var isProbing: Bool {
        switch self {
        case .pathChallenge, .pathResponse, .newConnectionID, .padding: return true
        default: return false
        }
    }

    /// True unless the frame is ACK, PADDING or CONNECTION_CLOSE (RFC 9002 §2).
    public var isAckEliciting: Bool {
        switch self {
        case .ack, .padding, .connectionClose: return false
        default: return true
        }
    }
}
