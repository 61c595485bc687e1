import Wire

extension Frame {
    /// Decodes one frame. Truncated or invalid fields throw FRAME_ENCODING_ERROR (RFC 9000 §12.4)
    /// naming the frame type; a type that is not minimally encoded throws PROTOCOL_VIOLATION.
    /// Never traps on any input.
    public static func decode(from reader: inout ByteReader) throws(QUICError) -> Frame {
        let start = reader.offset
        let type: UInt64
        do { type = try reader.readVarint() } catch { throw QUICError(.frameEncodingError, "truncated frame type") }
        if reader.offset - start != QUICVarint.encodedLength(type) {
            throw QUICError(.protocolViolation, frameType: type, "frame type not minimally encoded")
        }
        do {
            return try decodeBody(type: type, from: &reader)
        } catch let error as QUICError {
            throw error
        } catch let error as DecodeError {
            let why: String
            switch error {
            case .needMoreData: why = "truncated frame"
            case .malformed(let m): why = m
            }
            throw QUICError(.frameEncodingError, frameType: type, why)
        } catch {
            throw QUICError(.frameEncodingError, frameType: type, "\(error)")
        }
    }

    /// Decodes every frame in a packet payload.
    public static func decodeAll(_ payload: [UInt8]) throws(QUICError) -> [Frame] {
        var reader = ByteReader(payload)
        var frames: [Frame] = []
        while !reader.isAtEnd { frames.append(try decode(from: &reader)) }
        return frames
    }

    private static func fail(_ type: UInt64, _ reason: String) -> QUICError { QUICError(.frameEncodingError, frameType: type, reason) }

    private static func decodeBody(type: UInt64, from r: inout ByteReader) throws -> Frame {
        switch type {
        case FrameType.padding:
            var count = 1
            while !r.isAtEnd, (try? r.peekUInt8()) == 0 { _ = try r.readUInt8(); count += 1 }
            return .padding(count: count)
        case FrameType.ping:
            return .ping
        case FrameType.ack, FrameType.ackECN:
            let largest = try r.readVarint()
            let delay = try r.readVarint()
            let rangeCount = try r.readVarint()
            let firstRange = try r.readVarint()
            guard firstRange <= largest else { throw fail(type, "first ACK range below zero") }
            var ranges: [ClosedRange<UInt64>] = [(largest - firstRange)...largest]
            var smallest = largest - firstRange
            guard rangeCount <= UInt64(r.remaining) else { throw fail(type, "ACK range count exceeds frame") }
            for _ in 0..<rangeCount {
                let gap = try r.readVarint()
                let length = try r.readVarint()
                // next largest = smallest - gap - 2
                guard smallest >= 2, gap <= smallest - 2 else { throw fail(type, "ACK gap below zero") }
                let high = smallest - gap - 2
                guard length <= high else { throw fail(type, "ACK range below zero") }
                ranges.append((high - length)...high)
                smallest = high - length
            }
            var ecn: AckFrame.ECNCounts?
            if type == FrameType.ackECN {
                ecn = AckFrame.ECNCounts(ect0: try r.readVarint(), ect1: try r.readVarint(), ce: try r.readVarint())
            }
            return .ack(AckFrame(ranges: ranges, ackDelay: delay, ecn: ecn))
        case FrameType.resetStream:
            return .resetStream(streamID: try r.readVarint(), errorCode: try r.readVarint(), finalSize: try r.readVarint())
        case FrameType.stopSending:
            return .stopSending(streamID: try r.readVarint(), errorCode: try r.readVarint())
        case FrameType.crypto:
            let offset = try r.readVarint()
            let length = try r.readVarintLength()
            guard offset + UInt64(length) <= QUICVarint.maxValue else { throw fail(type, "CRYPTO data beyond 2^62-1") }
            return .crypto(offset: offset, data: try r.readBytes(length))
        case FrameType.newToken:
            let length = try r.readVarintLength()
            guard length > 0 else { throw fail(type, "empty NEW_TOKEN") }
            return .newToken(try r.readBytes(length))
        case 0x08...0x0f:
            let streamID = try r.readVarint()
            let offset = type & 0x04 != 0 ? try r.readVarint() : 0
            let hasLength = type & 0x02 != 0
            let length = hasLength ? try r.readVarintLength() : r.remaining
            guard offset + UInt64(length) <= QUICVarint.maxValue else { throw fail(type, "STREAM data beyond 2^62-1") }
            let data = try r.readBytes(length)
            return .stream(StreamFrame(streamID: streamID, offset: offset, data: data, fin: type & 0x01 != 0, hasLength: hasLength))
        case FrameType.maxData:
            return .maxData(try r.readVarint())
        case FrameType.maxStreamData:
            return .maxStreamData(streamID: try r.readVarint(), maximum: try r.readVarint())
        case FrameType.maxStreamsBidi, FrameType.maxStreamsUni:
            let maximum = try r.readVarint()
            guard maximum <= 1 << 60 else { throw fail(type, "MAX_STREAMS above 2^60") }
            return .maxStreams(bidirectional: type == FrameType.maxStreamsBidi, maximum: maximum)
        case FrameType.dataBlocked:
            return .dataBlocked(limit: try r.readVarint())
        case FrameType.streamDataBlocked:
            return .streamDataBlocked(streamID: try r.readVarint(), limit: try r.readVarint())
        case FrameType.streamsBlockedBidi, FrameType.streamsBlockedUni:
            let limit = try r.readVarint()
            guard limit <= 1 << 60 else { throw fail(type, "STREAMS_BLOCKED above 2^60") }
            return .streamsBlocked(bidirectional: type == FrameType.streamsBlockedBidi, limit: limit)
        case FrameType.newConnectionID:
            let sequence = try r.readVarint()
            let retirePriorTo = try r.readVarint()
            let length = Int(try r.readUInt8())
            guard (1...20).contains(length) else { throw fail(type, "connection ID length \(length)") }
            guard retirePriorTo <= sequence else { throw fail(type, "Retire Prior To above Sequence Number") }
            let cid = QUICConnectionID(unchecked: try r.readBytes(length))
            let token = try r.readBytes(16)
            return .newConnectionID(NewConnectionIDFrame(sequenceNumber: sequence, retirePriorTo: retirePriorTo, connectionID: cid, statelessResetToken: token))
        case FrameType.retireConnectionID:
            return .retireConnectionID(sequenceNumber: try r.readVarint())
        case FrameType.pathChallenge:
            return .pathChallenge(try r.readBytes(8))
        case FrameType.pathResponse:
            return .pathResponse(try r.readBytes(8))
        case FrameType.connectionCloseTransport, FrameType.connectionCloseApplication:
            let isApplication = type == FrameType.connectionCloseApplication
            let code = try r.readVarint()
            let frameType = isApplication ? 0 : try r.readVarint()
            let length = try r.readVarintLength()
            let reason = try r.readBytes(length)
            return .connectionClose(ConnectionCloseFrame(isApplication: isApplication, errorCode: code, frameType: frameType, reason: reason))
        case FrameType.handshakeDone:
            return .handshakeDone
        case FrameType.ackFrequency:
            return .ackFrequency(AckFrequencyFrame(sequenceNumber: try r.readVarint(), ackElicitingThreshold: try r.readVarint(),
                                                   requestedMaxAckDelay: try r.readVarint(), reorderingThreshold: try r.readVarint()))
        case FrameType.immediateAck:
            return .immediateAck
        case FrameType.datagram:
            return .datagram(data: r.readRest(), hasLength: false)
        case FrameType.datagramWithLength:
            let length = try r.readVarintLength()
            return .datagram(data: try r.readBytes(length), hasLength: true)
        default:
            throw fail(type, "unknown frame type")
        }
    }
}
