import CFastPathABI
import CLibBPF
import FastPath
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real thing on real interfaces: three network namespaces (publisher P, relay R, subscriber S) joined
/// by veth pairs; the programs attached with TC in R. A datagram sent by a socket in P reaches a socket
/// in S rewritten (addresses from the FIB and neighbour table, CID, packet number, stream ID, alias), and
/// the original still reaches a socket in R unchanged. Namespaces get unique names and are deleted after,
/// also on failure.
final class FastPathNamespaceTests: XCTestCase {
    private var names: [String] = []

    override func tearDown() {
        for name in names { _ = try? Shell.run("ip netns del \(name)") }
        names = []
    }

    /// Runs `body` with the calling thread inside namespace `name`.
    private func inNamespace<T>(_ name: String, _ body: () throws -> T) throws -> T {
        let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        let target = open("/run/netns/\(name)", O_RDONLY | O_CLOEXEC)
        defer {
            if home >= 0 { close(home) }
            if target >= 0 { close(target) }
        }
        guard home >= 0, target >= 0, setns(target, Int32(CLONE_NEWNET)) == 0 else {
            throw POSIXError(.ENOENT)
        }
        defer { precondition(setns(home, Int32(CLONE_NEWNET)) == 0, "cannot return to the test's namespace") }
        return try body()
    }

    private func mac(_ namespace: String, _ interface: String) throws -> [UInt8] {
        let text = try Shell.run("ip netns exec \(namespace) cat /sys/class/net/\(interface)/address")
        return text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":").compactMap { UInt8($0, radix: 16) }
    }

    func testForwardedCopyCrossesRealInterfacesAndTheOriginalGoesUp() throws {
        try requireFastPathPrivileges()
        let tag = "fpt\(getpid())x\(UInt32.random(in: 0..<100_000))"
        let (p, r, s) = ("\(tag)p", "\(tag)r", "\(tag)s")
        names = [p, r, s]
        for name in names { try Shell.run("ip netns add \(name)") }
        try Shell.run("""
            set -e
            ip -n \(r) link add r0 type veth peer name p0 netns \(p)
            ip -n \(r) link add r1 type veth peer name s0 netns \(s)
            ip -n \(p) addr add 10.9.0.2/24 dev p0
            ip -n \(r) addr add 10.9.0.1/24 dev r0
            ip -n \(r) addr add 10.9.1.1/24 dev r1
            ip -n \(s) addr add 10.9.1.2/24 dev s0
            for n in \(p) \(r) \(s); do ip -n $n link set lo up; done
            ip -n \(p) link set p0 up; ip -n \(r) link set r0 up; ip -n \(r) link set r1 up; ip -n \(s) link set s0 up
            ip netns exec \(r) sysctl -qw net.ipv4.conf.r1.forwarding=1
            """)
        let s0MAC = try mac(s, "s0")
        let r1MAC = try mac(r, "r1")
        let r0MAC = try mac(r, "r0")
        let p0MAC = try mac(p, "p0")
        try Shell.run("ip -n \(r) neigh replace 10.9.1.2 lladdr \(s0MAC.map { String(format: "%02x", $0) }.joined(separator: ":")) dev r1 nud permanent")
        try Shell.run("ip -n \(p) neigh replace 10.9.0.1 lladdr \(r0MAC.map { String(format: "%02x", $0) }.joined(separator: ":")) dev p0 nud permanent")

        var configuration = FastPathConfiguration()
        configuration.maxSubscribers = 4
        configuration.ringBufferBytes = 1 << 16
        let object = try FastPathObject.load(path: try BPFObjectLocator.objectPath(), configuration: configuration)
        let shared = try FastPathSharedMemory(object: object)
        let reader = try RingBufferReader(object: object)
        let subscriberSideCID: [UInt8] = [0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8]
        try object.setConfiguration(localConnectionIDLength: 8, flags: [.enabled])
        try object.setLocalConnectionID(FastPathFixture.upstreamCID, owner: .upstream(0))
        try object.setLocalConnectionID(subscriberSideCID, owner: .subscriber(0))
        try object.setUpstream(0, path: try FastPathEndpointPair(source: "10.9.0.2", sourcePort: 5000, destination: "10.9.0.1", destinationPort: 4443))

        let (upstreamIngress, subscriberIngress, r1Index) = try inNamespace(r) {
            (try TCAttachment(object: object, program: .upstreamIngress, interfaceName: "r0"),
             try TCAttachment(object: object, program: .subscriberIngress, interfaceName: "r1"),
             if_nametoindex("r1"))
        }
        defer {
            XCTAssertNoThrow(try upstreamIngress.detach())
            XCTAssertNoThrow(try subscriberIngress.detach())
        }
        var sub = FastPathSubscriber(connectionID: 55, path: try FastPathEndpointPair(source: "10.9.1.1", sourcePort: 4443, destination: "10.9.1.2", destinationPort: 6000),
                                     destinationConnectionID: [0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8])
        sub.interfaceIndex = r1Index
        sub.useFIBLookup = true
        try object.setSubscriber(0, sub)
        shared.reset(0, nextPacketNumber: 9000, nextUniStream: 5, budget: 1 << 20, connectionCredit: 1 << 20, streamsCredit: 10)
        try object.setTrack(upstreamID: 0, alias: 5, trackID: 1, defaultPriority: 0, subscribers: [FastPathTrackSubscriber(subscriberID: 0, alias: 17)])

        // In R, the rewrite takes the next hop from the FIB and neighbour table (test run, no clone). The
        // kernel's FIB helper requires forwarding on the egress interface (set above).
        try object.setConfiguration(localConnectionIDLength: 8, flags: [.enabled, .noClone, .keepLastRewrite])
        let probe = TestPacket(destinationMAC: r0MAC, sourceMAC: p0MAC,
                               path: try FastPathEndpointPair(source: "10.9.0.2", sourcePort: 5000, destination: "10.9.0.1", destinationPort: 4443),
                               payload: Encode.shortPacket(dcid: FastPathFixture.upstreamCID, packetNumber: 1, streamID: 2, offset: 0,
                                                           data: Encode.subgroupHeader(alias: 5, group: 1, subgroup: 0, priority: 2) + [1, 2, 3]))
        let probed = try inNamespace(r) { try object.testRun(.upstreamIngress, packet: probe.frame) }
        XCTAssertEqual(Array(probed.output.prefix(12)), s0MAC + r1MAC, "MACs from bpf_fib_lookup")
        XCTAssertTrue(InternetChecksum.verify(frame: probed.output))
        XCTAssertEqual(try reader.drain().count, 1)
        try object.removeSubscriberStream(subscriberID: 0, upstreamID: 0, streamID: 2)
        shared.reset(0, nextPacketNumber: 9000, nextUniStream: 5, budget: 1 << 20, connectionCredit: 1 << 20, streamsCredit: 10)
        try object.setConfiguration(localConnectionIDLength: 8, flags: [.enabled])

        // Receivers: the subscriber in S and the relay's user space in R.
        let (subscriberProcess, subscriberOut) = try Shell.start(
            "ip netns exec \(s) python3 -u -c \"import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('10.9.1.2',6000)); s.settimeout(5); print('READY'); d,a=s.recvfrom(65535); print(d.hex(), a[0], a[1])\"")
        let (relayProcess, relayOut) = try Shell.start(
            "ip netns exec \(r) python3 -u -c \"import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('10.9.0.1',4443)); s.settimeout(5); print('READY'); d,a=s.recvfrom(65535); print(d.hex(), a[0], a[1])\"")
        defer {
            if subscriberProcess.isRunning { subscriberProcess.terminate() }
            if relayProcess.isRunning { relayProcess.terminate() }
        }
        XCTAssertEqual(Shell.readLine(subscriberOut), "READY")
        XCTAssertEqual(Shell.readLine(relayOut), "READY")

        let data = Encode.subgroupHeader(alias: 5, group: 1, subgroup: 0, priority: 2) + [UInt8](repeating: 0x5a, count: 300)
        let quic = Encode.shortPacket(dcid: FastPathFixture.upstreamCID, packetNumber: 1, streamID: 2, offset: 0, data: data)
        let hexPayload = quic.map { String(format: "%02x", $0) }.joined()
        try Shell.run("ip netns exec \(p) python3 -c \"import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('10.9.0.2',5000)); s.sendto(bytes.fromhex('\(hexPayload)'), ('10.9.0.1',4443))\"")

        let atSubscriber = Shell.readLine(subscriberOut).split(separator: " ").map(String.init)
        let atRelay = Shell.readLine(relayOut).split(separator: " ").map(String.init)
        let wantData = Encode.subgroupHeader(alias: 17, group: 1, subgroup: 0, priority: 2) + [UInt8](repeating: 0x5a, count: 300)
        let want = Encode.shortPacket(dcid: sub.destinationConnectionID, packetNumber: 9000, streamID: 5 * 4 + 3, offset: 0, data: wantData)
        XCTAssertEqual(atSubscriber, [want.map { String(format: "%02x", $0) }.joined(), "10.9.1.1", "4443"], "rewritten copy at the subscriber")
        XCTAssertEqual(atRelay, [hexPayload, "10.9.0.2", "5000"], "the original reaches the relay's socket unchanged")

        let records = try reader.poll(timeoutMilliseconds: 1000)
        XCTAssertEqual(records.map(\.kind), [.sent])
        XCTAssertEqual(records.first?.cloneFailed, false)
        XCTAssertEqual(records.first?.packetNumber, 9000)
        XCTAssertEqual(records.first?.connectionID, 55)
        _ = r1MAC

        // The subscriber talks back: the subscriber-ingress program on r1 learns where it is.
        let ack = Encode.shortPacket(dcid: subscriberSideCID, packetNumber: 4, streamID: 0, offset: 0, data: [1])
        try Shell.run("ip netns exec \(s) python3 -c \"import socket; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('10.9.1.2',6000)); s.sendto(bytes.fromhex('\(ack.map { String(format: "%02x", $0) }.joined())'), ('10.9.1.1',4443))\"")
        var learned = try XCTUnwrap(try object.learned(0))
        for _ in 0..<20 where learned.seen_ns == 0 {
            usleep(50_000)
            learned = try XCTUnwrap(try object.learned(0))
        }
        XCTAssertEqual(learned.ifindex, r1Index)
        XCTAssertEqual(withUnsafeBytes(of: &learned.peer_mac) { Array($0) }, s0MAC)
        XCTAssertEqual(withUnsafeBytes(of: &learned.local_mac) { Array($0) }, r1MAC)
        XCTAssertEqual(FastPathEndpointPair(learned.path), sub.path.reversed)
        _ = p0MAC
    }
}
