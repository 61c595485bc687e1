import QUIC

// TEMPORARY (deleted when branch quic-hooks delivers FASTPATH-HOOKS-CONTRACT.md §3): a stand-in for
// the external-stream API so the plane builds and the kernel path can be exercised on lossless links.
// User-served streams are written through the ordinary send path; kernel streams are registered as
// PING-like packets (acknowledged and counted in flight, but not retransmitted).

/// Stand-in for QUIC's `StreamDataSource`.
protocol StreamDataSource: AnyObject {
    func streamData(streamID: UInt64, offset: UInt64, length: Int) -> [UInt8]?
}

enum ExternalStreamShimRegistry {
    nonisolated(unsafe) static var sources: [ObjectIdentifier: StreamDataSource] = [:]
    nonisolated(unsafe) static var external: [ObjectIdentifier: Set<UInt64>] = [:]
}

extension Connection {
    var streamDataSource: StreamDataSource? {
        get { ExternalStreamShimRegistry.sources[ObjectIdentifier(self)] }
        set { ExternalStreamShimRegistry.sources[ObjectIdentifier(self)] = newValue }
    }
    var unavailableResetCode: UInt64 { get { 0 } set {} }

    func createExternalStream(id: UInt64) throws(StreamError) {
        guard sendStreams[id] == nil else { return }
        createLocalStream(id: id, startOffset: 0)
        localStreamsOpened[0] += 1
    }

    func sendExternalStreamData(streamID: UInt64, range: Range<UInt64>) throws(StreamError) {
        guard let s = sendStreams[streamID], s.buffer.endOffset == range.lowerBound,
              let bytes = streamDataSource?.streamData(streamID: streamID, offset: range.lowerBound, length: Int(range.count)) else { return }
        _ = try write(streamID: streamID, data: bytes)
    }

    func finishExternalStream(streamID: UInt64, finalSize: UInt64) throws(StreamError) {
        guard let s = sendStreams[streamID], s.buffer.endOffset == finalSize, finalSize > 0 else { return }
        try finish(streamID: streamID)
    }

    func registerExternallySentPacketShim(packetNumber: UInt64, sentBytes: Int, timeSent: QUICTime, now: QUICTime) {
        registerExternallySentPacket(packetNumber: packetNumber, sentBytes: sentBytes, timeSent: timeSent, frames: [.ping], now: now)
    }
}
