import Wire

extension Frame {
    /// Appends the frame's encoding.
    public func encode(to w: inout ByteWriter) {
        switch self {
        case .padding(let count):
            for _ in 0..<max(count, 1) { w.writeUInt8(0) }
        case .ping, .handshakeDone, .immediateAck:
            w.writeVarint(typeValue)
        case .ackFrequency(let f):
            w.writeVarint(typeValue)
            w.writeVarint(f.sequenceNumber)
            w.writeVarint(f.ackElicitingThreshold)
            w.writeVarint(f.requestedMaxAckDelay)
            w.writeVarint(f.reorderingThreshold)
        case .ack(let ack):
            w.writeVarint(typeValue)
            w.writeVarint(ack.largestAcknowledged)
            w.writeVarint(ack.ackDelay)
            w.writeVarint(UInt64(ack.ranges.count - 1))
            w.writeVarint(ack.ranges[0].upperBound - ack.ranges[0].lowerBound)
            var smallest = ack.ranges[0].lowerBound
            for range in ack.ranges.dropFirst() {
                w.writeVarint(smallest - range.upperBound - 2)
                w.writeVarint(range.upperBound - range.lowerBound)
                smallest = range.lowerBound
            }
            if let ecn = ack.ecn {
                w.writeVarint(ecn.ect0)
                w.writeVarint(ecn.ect1)
                w.writeVarint(ecn.ce)
            }
        case .resetStream(let id, let code, let finalSize):
            w.writeVarint(typeValue); w.writeVarint(id); w.writeVarint(code); w.writeVarint(finalSize)
        case .stopSending(let id, let code):
            w.writeVarint(typeValue); w.writeVarint(id); w.writeVarint(code)
        case .crypto(let offset, let data):
            w.writeVarint(typeValue); w.writeVarint(offset); w.writeVarint(UInt64(data.count)); w.writeBytes(data)
        case .newToken(let token):
            w.writeVarint(typeValue); w.writeVarint(UInt64(token.count)); w.writeBytes(token)
        case .stream(let s):
            w.writeVarint(s.typeValue)
            w.writeVarint(s.streamID)
            if s.offset != 0 { w.writeVarint(s.offset) }
            if s.hasLength { w.writeVarint(UInt64(s.data.count)) }
            w.writeBytes(s.data)
        case .maxData(let v), .dataBlocked(let v):
            w.writeVarint(typeValue); w.writeVarint(v)
        case .maxStreamData(let id, let v), .streamDataBlocked(let id, let v):
            w.writeVarint(typeValue); w.writeVarint(id); w.writeVarint(v)
        case .maxStreams(_, let v), .streamsBlocked(_, let v):
            w.writeVarint(typeValue); w.writeVarint(v)
        case .newConnectionID(let f):
            w.writeVarint(typeValue)
            w.writeVarint(f.sequenceNumber)
            w.writeVarint(f.retirePriorTo)
            w.writeUInt8(UInt8(f.connectionID.count))
            w.writeBytes(f.connectionID.bytes)
            w.writeBytes(f.statelessResetToken)
        case .retireConnectionID(let seq):
            w.writeVarint(typeValue); w.writeVarint(seq)
        case .pathChallenge(let data), .pathResponse(let data):
            w.writeVarint(typeValue); w.writeBytes(data)
        case .connectionClose(let c):
            w.writeVarint(typeValue)
            w.writeVarint(c.errorCode)
            if !c.isApplication { w.writeVarint(c.frameType) }
            w.writeVarint(UInt64(c.reason.count))
            w.writeBytes(c.reason)
        case .datagram(let data, let hasLength):
            w.writeVarint(typeValue)
            if hasLength { w.writeVarint(UInt64(data.count)) }
            w.writeBytes(data)
        }
    }

    /// The encoding as a fresh array.
    public var encoded: [UInt8] {
        var w = ByteWriter()
        encode(to: &w)
        return w.bytes
    }
}
