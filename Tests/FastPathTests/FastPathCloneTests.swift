import CFastPathABI
import CLibBPF
import FastPath
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// bpf_clone_redirect inside BPF_PROG_TEST_RUN: a clone sent to the loopback interface (ifindex 1) really
/// leaves and reaches a UDP socket, so the rewritten copy is observed without test-only flags.
final class FastPathCloneTests: XCTestCase {
    func testCloneToLoopbackReachesASocketRewritten() throws {
        // IPv6: an IPv4 clone from 127.0.0.1 carries no route and is dropped as a martian on input, while
        // ::1 arriving on lo is accepted.
        let fixture = try FastPathFixture(flags: [.enabled], ipv6: true)
        let receiver = try UDPReceiver()
        defer { receiver.close() }
        let path = try FastPathEndpointPair(source: "::1", sourcePort: 40_000, destination: "::1", destinationPort: receiver.port)
        var s = FastPathSubscriber(connectionID: 7, path: path, destinationConnectionID: [9, 8, 7, 6, 5, 4, 3, 2])
        s.interfaceIndex = 1 // lo; MACs stay zero, lo's own address
        try fixture.addSubscriber(s, id: 0, nextPacketNumber: 0xabcdef)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        // The test-run skb takes its pkt_type from the frame's destination MAC against lo's all-zero
        // address, and a clone keeps it: address the upstream frame to lo so the clone is PACKET_HOST
        // (veth and real NICs set pkt_type themselves).
        var input = fixture.mediaPacket(offset: 0)
        input.destinationMAC = [0, 0, 0, 0, 0, 0]
        let result = try fixture.run(input.frame)
        XCTAssertEqual(result.output, input.frame, "the original is restored and passed up")
        let datagram = try XCTUnwrap(receiver.receive(timeoutMilliseconds: 2000), "the clone never arrived")
        let data = Encode.subgroupHeader(alias: 9, group: 9, subgroup: 0, priority: 3) + (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let want = Encode.shortPacket(dcid: [9, 8, 7, 6, 5, 4, 3, 2], packetNumber: 0xabcdef, streamID: 3, offset: 0, data: data)
        XCTAssertEqual(datagram.payload, want)
        XCTAssertEqual(datagram.sourcePort, 40_000)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.sent])
        XCTAssertEqual(records.first?.cloneFailed, false)
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_CLONE_FAILED], 0)
    }

    func testCloneToAMissingInterfaceIsReportedAsLost() throws {
        let fixture = try FastPathFixture(flags: [.enabled])
        var s = try fixture.subscriber(0)
        s.interfaceIndex = 999_999
        try fixture.addSubscriber(s, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        let input = fixture.mediaPacket(offset: 0).frame
        XCTAssertEqual(try fixture.run(input).output, input)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.sent], "the number was used: user space must see it and declare it lost")
        XCTAssertEqual(records.first?.cloneFailed, true)
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_CLONE_FAILED], 1)
    }
}
