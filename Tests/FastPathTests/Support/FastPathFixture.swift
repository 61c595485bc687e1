import CFastPathABI
import CLibBPF
import FastPath
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Fails the calling test loudly (never skips) unless the process may load BPF programs.
func requireFastPathPrivileges(file: StaticString = #filePath, line: UInt = #line) throws {
    do {
        try FastPathPrivileges.check()
    } catch {
        XCTFail("FastPathTests MUST run as root (CAP_BPF + CAP_NET_ADMIN); CI runs them as root. \(error)", file: file, line: line)
        throw error
    }
}

/// A loaded fast path with one upstream connection and helpers to add subscribers and craft packets.
final class FastPathFixture {
    static let relayCIDLength = 8
    static let upstreamCID: [UInt8] = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8]
    static let relayMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]
    static let publisherMAC: [UInt8] = [0x02, 0, 0, 0, 0, 0x02]
    static let trackAlias: UInt64 = 5
    static let mediaStream: UInt64 = 2 // client-initiated uni stream 0

    let object: FastPathObject
    let shared: FastPathSharedMemory
    let reader: RingBufferReader
    let upstreamPath: FastPathEndpointPair

    init(flags: FastPathFlags = [.enabled, .keepLastRewrite, .noClone], ipv6: Bool = false, ringBufferBytes: UInt32 = 1 << 16,
         maxSubscriberStreams: UInt32 = 256) throws {
        try requireFastPathPrivileges()
        var configuration = FastPathConfiguration()
        configuration.maxSubscribers = 16
        configuration.maxUpstreams = 4
        configuration.maxTracks = 16
        configuration.maxStreams = 64
        configuration.maxSubscriberStreams = maxSubscriberStreams
        configuration.maxLocalConnectionIDs = 64
        configuration.ringBufferBytes = ringBufferBytes
        object = try FastPathObject.load(path: try BPFObjectLocator.objectPath(), configuration: configuration)
        shared = try FastPathSharedMemory(object: object)
        reader = try RingBufferReader(object: object)
        upstreamPath = ipv6
            ? try FastPathEndpointPair(source: "fd00::2", sourcePort: 5000, destination: "fd00::1", destinationPort: 4443)
            : try FastPathEndpointPair(source: "10.0.0.2", sourcePort: 5000, destination: "10.0.0.1", destinationPort: 4443)
        try object.setConfiguration(localConnectionIDLength: Self.relayCIDLength, flags: flags)
        try object.setLocalConnectionID(Self.upstreamCID, owner: .upstream(0))
        try object.setUpstream(0, path: upstreamPath)
    }

    /// The standard subscriber `id`: relay 10.0.1.1:4443 -> 10.0.1.(2+id):6000+id, CID b1..b8 + id.
    func subscriber(_ id: UInt32, ipv6: Bool = false) throws -> FastPathSubscriber {
        let path = ipv6
            ? try FastPathEndpointPair(source: "fd01::1", sourcePort: 4443, destination: "fd01::\(2 + id)", destinationPort: UInt16(6000 + id))
            : try FastPathEndpointPair(source: "10.0.1.1", sourcePort: 4443, destination: "10.0.1.\(2 + id)", destinationPort: UInt16(6000 + id))
        var s = FastPathSubscriber(connectionID: 100 + id, path: path,
                                   destinationConnectionID: [0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, UInt8(0xb8 + id)])
        s.destinationMAC = [0x02, 0, 0, 0, 0x01, UInt8(2 + id)]
        s.sourceMAC = [0x02, 0, 0, 0, 0x01, 0x01]
        s.reserveStep = 1000
        return s
    }

    /// Registers subscriber `id` with generous budget and credit unless told otherwise. `congested`
    /// (the default) marks its path as losing packets, so a budget shortfall drops; without it a
    /// shortfall hands the stream to user space.
    func addSubscriber(_ s: FastPathSubscriber, id: UInt32, nextPacketNumber: UInt64 = 0, nextUniStream: UInt64 = 0,
                       budget: Int64 = 1 << 30, connectionCredit: Int64 = 1 << 30, streamsCredit: Int64 = 100,
                       congested: Bool = true) throws {
        try object.setSubscriber(id, s)
        shared.reset(id, nextPacketNumber: nextPacketNumber, nextUniStream: nextUniStream, budget: budget,
                     connectionCredit: connectionCredit, streamsCredit: streamsCredit)
        if congested { shared.setCongestedUntil(id, .max) }
    }

    /// Puts the standard track (upstream alias 5) on the fast path for `subscribers`.
    func setTrack(_ subscribers: [FastPathTrackSubscriber], defaultPriority: UInt8 = 7) throws {
        try object.setTrack(upstreamID: 0, alias: Self.trackAlias, trackID: 42, defaultPriority: defaultPriority,
                            subscribers: subscribers)
    }

    /// An upstream packet: one STREAM frame of `streamID` at `offset`, starting with a subgroup header at
    /// offset 0 (priority nil: DEFAULT_PRIORITY type) followed by `dataLength` object bytes.
    func mediaPacket(streamID: UInt64 = FastPathFixture.mediaStream, offset: UInt64, priority: UInt8? = 3,
                     dataLength: Int = 200, fin: Bool = false, packetNumber: UInt32 = 77, header: [UInt8]? = nil,
                     trailing: [UInt8] = [], withLength: Bool = true, cid: [UInt8] = FastPathFixture.upstreamCID,
                     streamIDLength: Int = 4) -> TestPacket {
        var data: [UInt8] = []
        if offset == 0 {
            data += header ?? Encode.subgroupHeader(alias: Self.trackAlias, group: 9, subgroup: 0, priority: priority)
        }
        data += (0..<dataLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let quic = Encode.shortPacket(dcid: cid, packetNumber: packetNumber, streamID: streamID, streamIDLength: streamIDLength,
                                      offset: offset, fin: fin, withLength: withLength, data: data, trailing: trailing)
        return TestPacket(destinationMAC: Self.relayMAC, sourceMAC: Self.publisherMAC, path: upstreamPath, payload: quic)
    }

    /// Runs the upstream-ingress program on `packet`.
    func run(_ packet: [UInt8], context: __sk_buff? = nil) throws -> FastPathTestRunResult {
        try object.testRun(.upstreamIngress, packet: packet, context: context)
    }
}

/// CLOCK_MONOTONIC in nanoseconds (the clock bpf_ktime_get_ns reads).
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// TC_ACT_OK (linux/pkt_cls.h): pass the packet on.
let tcActionOK: UInt32 = 0
