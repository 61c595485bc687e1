import CFastPathABI
import CLibBPF
import FastPath
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The real thing on real interfaces: three network namespaces (publisher P, relay R, subscriber S) joined
/// by veth pairs; the programs attached with TC in R; sockets (python3) in every namespace. Namespaces get
/// unique names and are deleted after each test, also on failure.
final class FastPathNamespaceTests: XCTestCase {
    private var names: [String] = []
    private var scriptPath = ""

    private static let receiverScript = """
        import socket, sys
        addr, port, count, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        s.bind((addr, port))
        s.settimeout(timeout)
        print('READY', flush=True)
        for _ in range(count):
            try:
                d, a = s.recvfrom(65535)
                print(d.hex(), a[0], a[1], flush=True)
            except socket.timeout:
                print('NONE', flush=True)
                break
        """

    private static let senderScript = """
        import socket, sys
        addr, port, dst, dport, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), bytes.fromhex(sys.argv[5])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # a receiver may hold the same port
        s.bind((addr, port))
        if len(sys.argv) > 6:
            s.setsockopt(socket.SOL_UDP, 103, int(sys.argv[6]))  # UDP_SEGMENT: one GSO super-packet
        s.sendto(payload, (dst, dport))
        """

    override func setUpWithError() throws {
        try requireFastPathPrivileges()
        let dir = NSTemporaryDirectory() + "moq-fastpath-ns-\(getpid())-\(UInt32.random(in: 0..<1_000_000))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.receiverScript.write(toFile: dir + "/receive.py", atomically: true, encoding: .utf8)
        try Self.senderScript.write(toFile: dir + "/send.py", atomically: true, encoding: .utf8)
        scriptPath = dir
    }

    override func tearDown() {
        for name in names { _ = try? Shell.run("ip netns del \(name)") }
        names = []
        if !scriptPath.isEmpty { try? FileManager.default.removeItem(atPath: scriptPath) }
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

    /// Namespaces P, R and S with veth pairs p0-r0 (10.9.0.0/24) and r1-s0 (10.9.1.0/24), forwarding on r1
    /// (the kernel's FIB helper requires it) and permanent neighbour entries.
    private struct Topology {
        let p: String
        let r: String
        let s: String
        let s0MAC: [UInt8]
        let r1MAC: [UInt8]
        let r0MAC: [UInt8]
        let p0MAC: [UInt8]
    }

    private func makeTopology() throws -> Topology {
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
        let topology = Topology(p: p, r: r, s: s, s0MAC: try mac(s, "s0"), r1MAC: try mac(r, "r1"),
                                r0MAC: try mac(r, "r0"), p0MAC: try mac(p, "p0"))
        func text(_ m: [UInt8]) -> String { m.map { String(format: "%02x", $0) }.joined(separator: ":") }
        try Shell.run("ip -n \(r) neigh replace 10.9.1.2 lladdr \(text(topology.s0MAC)) dev r1 nud permanent")
        try Shell.run("ip -n \(p) neigh replace 10.9.0.1 lladdr \(text(topology.r0MAC)) dev p0 nud permanent")
        return topology
    }

    /// A receiver in `namespace`; `readLine` gives "hex source port" per datagram, or "NONE" on timeout.
    private func receiver(_ namespace: String, _ address: String, _ port: Int, count: Int, timeout: Double = 5) throws -> (Process, FileHandle) {
        let started = try Shell.start("ip netns exec \(namespace) python3 -u \(scriptPath)/receive.py \(address) \(port) \(count) \(timeout)")
        XCTAssertEqual(Shell.readLine(started.1), "READY")
        return started
    }

    /// Sends one datagram from `namespace`, optionally as a UDP GSO super-packet of `gsoSegment`-byte segments.
    private func send(_ namespace: String, from address: String, _ port: Int, to destination: String, _ destinationPort: Int,
                      _ payload: [UInt8], gsoSegment: Int? = nil) throws {
        try Shell.run("ip netns exec \(namespace) python3 \(scriptPath)/send.py \(address) \(port) \(destination) \(destinationPort) \(hex(payload)) \(gsoSegment.map(String.init) ?? "")")
    }

    /// Loads the object and fills the maps for upstream 0 (P -> R) and subscriber 0 (R -> S, alias 17).
    private func loadFastPath(_ t: Topology) throws -> (FastPathObject, FastPathSharedMemory, RingBufferReader, UInt32) {
        var configuration = FastPathConfiguration()
        configuration.maxSubscribers = 4
        configuration.ringBufferBytes = 1 << 16
        let object = try FastPathObject.load(path: try BPFObjectLocator.objectPath(), configuration: configuration)
        let shared = try FastPathSharedMemory(object: object)
        let reader = try RingBufferReader(object: object)
        try object.setConfiguration(localConnectionIDLength: 8, flags: [.enabled])
        try object.setLocalConnectionID(FastPathFixture.upstreamCID, owner: .upstream(0))
        try object.setLocalConnectionID(Self.subscriberSideCID, owner: .subscriber(0))
        try object.setUpstream(0, path: try FastPathEndpointPair(source: "10.9.0.2", sourcePort: 5000, destination: "10.9.0.1", destinationPort: 4443))
        let r1Index = try inNamespace(t.r) { if_nametoindex("r1") }
        try object.setSubscriber(0, try subscriber(interfaceIndex: r1Index, fib: true))
        shared.reset(0, nextPacketNumber: 9000, nextUniStream: 5, budget: 1 << 20, connectionCredit: 1 << 20, streamsCredit: 10)
        try object.setTrack(upstreamID: 0, alias: 5, trackID: 1, defaultPriority: 0, subscribers: [FastPathTrackSubscriber(subscriberID: 0, alias: 17)])
        return (object, shared, reader, r1Index)
    }

    static let subscriberSideCID: [UInt8] = [0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8]

    private func subscriber(interfaceIndex: UInt32, fib: Bool) throws -> FastPathSubscriber {
        var sub = FastPathSubscriber(connectionID: 55,
                                     path: try FastPathEndpointPair(source: "10.9.1.1", sourcePort: 4443, destination: "10.9.1.2", destinationPort: 6000),
                                     destinationConnectionID: [0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8])
        sub.interfaceIndex = interfaceIndex
        sub.useFIBLookup = fib
        return sub
    }

    func testForwardedCopyCrossesRealInterfacesAndTheOriginalGoesUp() throws {
        let t = try makeTopology()
        let (object, _, reader, r1Index) = try loadFastPath(t)
        let (upstreamIngress, subscriberIngress) = try inNamespace(t.r) {
            (try TCAttachment(object: object, program: .upstreamIngress, interfaceName: "r0"),
             try TCAttachment(object: object, program: .subscriberIngress, interfaceName: "r1"))
        }
        defer {
            XCTAssertNoThrow(try upstreamIngress.detach())
            XCTAssertNoThrow(try subscriberIngress.detach())
        }

        // In R, a test run shows the next hop taken from the FIB and the neighbour table (no clone).
        try object.setConfiguration(localConnectionIDLength: 8, flags: [.enabled, .noClone, .keepLastRewrite])
        let probe = TestPacket(destinationMAC: t.r0MAC, sourceMAC: t.p0MAC,
                               path: try FastPathEndpointPair(source: "10.9.0.2", sourcePort: 5000, destination: "10.9.0.1", destinationPort: 4443),
                               payload: Encode.shortPacket(dcid: FastPathFixture.upstreamCID, packetNumber: 1, streamID: 14, offset: 0,
                                                           data: Encode.subgroupHeader(alias: 5, group: 1, subgroup: 0, priority: 2) + [1, 2, 3]))
        let probed = try inNamespace(t.r) { try object.testRun(.upstreamIngress, packet: probe.frame) }
        XCTAssertEqual(Array(probed.output.prefix(12)), t.s0MAC + t.r1MAC, "MACs from bpf_fib_lookup")
        XCTAssertTrue(InternetChecksum.verify(frame: probed.output))
        XCTAssertEqual(try reader.drain().map(\.packetNumber), [9000])
        try object.setConfiguration(localConnectionIDLength: 8, flags: [.enabled])

        // A media packet from a socket in P.
        let (subscriberProcess, subscriberOut) = try receiver(t.s, "10.9.1.2", 6000, count: 2)
        let (relayProcess, relayOut) = try receiver(t.r, "10.9.0.1", 4443, count: 2)
        defer {
            if subscriberProcess.isRunning { subscriberProcess.terminate() }
            if relayProcess.isRunning { relayProcess.terminate() }
        }
        let data = Encode.subgroupHeader(alias: 5, group: 1, subgroup: 0, priority: 2) + [UInt8](repeating: 0x5a, count: 300)
        let quic = Encode.shortPacket(dcid: FastPathFixture.upstreamCID, packetNumber: 1, streamID: 2, offset: 0, data: data)
        try send(t.p, from: "10.9.0.2", 5000, to: "10.9.0.1", 4443, quic)
        let wantData = Encode.subgroupHeader(alias: 17, group: 1, subgroup: 0, priority: 2) + [UInt8](repeating: 0x5a, count: 300)
        let subscriberDCID: [UInt8] = [0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8]
        let want = Encode.shortPacket(dcid: subscriberDCID, packetNumber: 9001, streamID: 6 * 4 + 3, offset: 0, data: wantData)
        XCTAssertEqual(Shell.readLine(subscriberOut), "\(hex(want)) 10.9.1.1 4443", "rewritten copy at the subscriber")
        XCTAssertEqual(Shell.readLine(relayOut), "\(hex(quic)) 10.9.0.2 5000", "the original reaches the relay's socket unchanged")
        let records = try reader.poll(timeoutMilliseconds: 1000)
        XCTAssertEqual(records.map(\.kind), [.sent])
        XCTAssertEqual(records.first?.cloneFailed, false)
        XCTAssertEqual(records.first?.connectionID, 55)

        // The subscriber talks back: the subscriber-ingress program on r1 learns where it is.
        let ack = Encode.shortPacket(dcid: Self.subscriberSideCID, packetNumber: 4, streamID: 0, offset: 0, data: [1])
        try send(t.s, from: "10.9.1.2", 6000, to: "10.9.1.1", 4443, ack)
        var learned = try XCTUnwrap(try object.learned(0))
        for _ in 0..<40 where learned.seen_ns == 0 {
            usleep(50_000)
            learned = try XCTUnwrap(try object.learned(0))
        }
        XCTAssertEqual(learned.ifindex, r1Index)
        XCTAssertEqual(withUnsafeBytes(of: &learned.peer_mac) { Array($0) }, t.s0MAC)
        XCTAssertEqual(withUnsafeBytes(of: &learned.local_mac) { Array($0) }, t.r1MAC)
        XCTAssertEqual(FastPathEndpointPair(learned.path), try subscriber(interfaceIndex: 0, fib: false).path.reversed)

        // Without FIB lookup and without a configured interface, the learned interface and MACs carry the
        // next stream.
        try object.setSubscriber(0, try subscriber(interfaceIndex: 0, fib: false))
        let second = Encode.shortPacket(dcid: FastPathFixture.upstreamCID, packetNumber: 2, streamID: 6, offset: 0, fin: true, data: data)
        try send(t.p, from: "10.9.0.2", 5000, to: "10.9.0.1", 4443, second)
        let wantSecond = Encode.shortPacket(dcid: subscriberDCID, packetNumber: 9002, streamID: 7 * 4 + 3, offset: 0, fin: true, data: wantData)
        XCTAssertEqual(Shell.readLine(subscriberOut), "\(hex(wantSecond)) 10.9.1.1 4443", "copy sent by the learned next hop")
        XCTAssertEqual(Shell.readLine(relayOut), "\(hex(second)) 10.9.0.2 5000")
        XCTAssertEqual(try reader.poll(timeoutMilliseconds: 1000).map(\.packetNumber), [9002])
    }

    func testGSOSuperPacketFromARealSenderPassesUpWhole() throws {
        let t = try makeTopology()
        let (object, _, reader, _) = try loadFastPath(t)
        let upstreamIngress = try inNamespace(t.r) { try TCAttachment(object: object, program: .upstreamIngress, interfaceName: "r0") }
        defer { XCTAssertNoThrow(try upstreamIngress.detach()) }
        let (subscriberProcess, subscriberOut) = try receiver(t.s, "10.9.1.2", 6000, count: 1, timeout: 1.5)
        let (relayProcess, relayOut) = try receiver(t.r, "10.9.0.1", 4443, count: 2)
        defer {
            if subscriberProcess.isRunning { subscriberProcess.terminate() }
            if relayProcess.isRunning { relayProcess.terminate() }
        }
        // One STREAM frame without a length field spanning both 1200-byte segments: parsed as one packet it
        // would look eligible, so only the GSO check keeps it from being forwarded as a 2400-byte datagram.
        let data = Encode.subgroupHeader(alias: 5, group: 1, subgroup: 0, priority: 2)
        let header = Encode.shortPacket(dcid: FastPathFixture.upstreamCID, packetNumber: 1, streamID: 2, offset: 0, withLength: false, data: data)
        let payload = header + [UInt8](repeating: 0x33, count: 2400 - header.count)
        try send(t.p, from: "10.9.0.2", 5000, to: "10.9.0.1", 4443, payload, gsoSegment: 1200)
        let first = Shell.readLine(relayOut)
        let second = Shell.readLine(relayOut)
        XCTAssertEqual(first, "\(hex(Array(payload[0..<1200]))) 10.9.0.2 5000")
        XCTAssertEqual(second, "\(hex(Array(payload[1200...]))) 10.9.0.2 5000")
        XCTAssertEqual(Shell.readLine(subscriberOut), "NONE", "nothing may be forwarded from a super-packet")
        let counters = try object.counters()
        XCTAssertEqual(counters[FP_CNT_GSO], 1, "the super-packet reached the program as one skb")
        XCTAssertEqual(counters.forwarded, 0)
        XCTAssertEqual(try reader.drain().count, 0)
    }
}
