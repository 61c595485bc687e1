import Wire

/// Entry points for libFuzzer harnesses (`swift build -sanitize=fuzzer`) and no-crash tests:
/// every parser of network input in this module, fed arbitrary bytes.
public enum QUICFuzz {
    /// Parses `bytes` as a datagram of packet headers, as a frame sequence and as transport
    /// parameters from either role. Must never trap.
    public static func fuzzOneInput(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            guard let header = try? PacketHeader.parse(datagram: bytes, at: offset, shortHeaderConnectionIDLength: 8) else { break }
            offset = max(header.packetEnd, offset + 1)
        }
        _ = PacketHeader.destinationConnectionID(of: bytes, shortHeaderConnectionIDLength: 8)
        if let frames = try? Frame.decodeAll(bytes) {
            // Whatever decodes must encode again without trapping.
            for frame in frames { _ = frame.encoded }
        }
        _ = try? TransportParameters.decode(bytes, sentBy: .client)
        _ = try? TransportParameters.decode(bytes, sentBy: .server)
    }
}
