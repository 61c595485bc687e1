import XCTest
import Wire
@testable import MoQT
import TestSupport

/// What a peer cannot make a session hold: a SETUP that never comes (CONTROL_MESSAGE_TIMEOUT),
/// bytes sent before SETUP (PROTOCOL_VIOLATION past `maxBytesBeforeSetup`), an object larger than
/// `maxObjectSize` (its stream abandoned with EXCESSIVE_LOAD, the session kept).
final class SessionLimitTests: XCTestCase {
    let track = FullTrackName(namespace: TrackNamespace(strings: ["live"]), name: "video")
    /// The client's first unidirectional stream (its control stream) and a later one.
    let clientControl: UInt64 = 2
    let clientUni: UInt64 = 6

    func server(_ configure: (inout MoQTSessionConfiguration) -> Void = { _ in }) -> (MoQTSession, SessionMemoryTransport) {
        var config = MoQTSessionConfiguration(setupOptions: SetupOptions(implementation: "test-server"))
        configure(&config)
        let transport = SessionMemoryTransport(isClient: false)
        return (MoQTSession(role: .server, transport: transport, configuration: config), transport)
    }

    func testNoSetupWithinTheTimeoutClosesWithControlMessageTimeout() throws {
        let (s, t) = server { $0.setupTimeout = 2_000_000 }
        try s.start(now: 5_000_000)
        XCTAssertEqual(s.nextTimeout, 7_000_000)
        s.handleTimeout(now: 6_999_999)
        XCTAssertFalse(s.isClosed)
        s.handleTimeout(now: 7_000_000)
        XCTAssertEqual(s.state, .closed(.controlMessageTimeout))
        XCTAssertEqual(t.closed?.code, SessionErrorCode.controlMessageTimeout.rawValue)
        XCTAssertNil(s.nextTimeout)
    }

    func testSetupInTimeClearsTheDeadline() throws {
        var config = MoQTSessionConfiguration(setupOptions: SetupOptions(implementation: "test-server"))
        config.setupTimeout = 1_000_000
        let p = SessionPair(seed: 3, serverConfig: config)
        try p.server.start(now: 0)
        try p.client.start()
        p.run()
        XCTAssertTrue(p.server.isReady)
        XCTAssertNil(p.server.nextTimeout)
        p.server.handleTimeout(now: 10_000_000)
        XCTAssertTrue(p.server.isReady)
    }

    func testWithoutStartTimeThereIsNoSetupDeadline() throws {
        let (s, _) = server()
        try s.start()
        XCTAssertNil(s.nextTimeout)
    }

    func testBytesBeforeSetupAreCapped() throws {
        let (s, t) = server { $0.maxBytesBeforeSetup = 10_000 }
        try s.start(now: 0)
        // A subgroup stream that arrives before any SETUP: its bytes wait, up to the cap.
        var w = ByteWriter()
        Draft18.SubgroupHeader(trackAlias: 1, groupID: 0, subgroupID: .zero, publisherPriority: 1, hasProperties: false).encode(into: &w)
        s.handleStreamData(streamID: clientUni, bytes: w.bytes + Array(repeating: 0, count: 4_000), fin: false)
        s.handleStreamData(streamID: clientUni + 4, bytes: w.bytes + Array(repeating: 0, count: 5_000), fin: false)
        XCTAssertFalse(s.isClosed, "under the cap: \(String(describing: t.closed))")
        s.handleStreamData(streamID: clientUni, bytes: Array(repeating: 0, count: 2_000), fin: false)
        XCTAssertEqual(s.state, .closed(.protocolViolation))
        XCTAssertEqual(t.closed?.code, SessionErrorCode.protocolViolation.rawValue)
        XCTAssertTrue(t.closed?.reason.contains("before SETUP") ?? false)
    }

    func testAnObjectLargerThanTheLimitAbandonsOnlyItsStream() throws {
        var clientConfig = MoQTSessionConfiguration(setupOptions: SetupOptions(implementation: "test-client"))
        clientConfig.maxObjectSize = 1_000
        let p = SessionPair(seed: 9, maxChunk: 300, clientConfig: clientConfig)
        try p.start()
        let id = try p.client.subscribe(track, filter: nil, subscriberPriority: 1, groupOrder: .ascending)
        p.run()
        _ = try p.server.acceptSubscribe(id, trackAlias: nil, largest: nil)
        p.run()
        // Group 1: a small object, then one of 1,001 bytes (the payload is never buffered whole:
        // it is refused from its header).
        let big = try p.server.openSubgroup(id, groupID: 1, publisherPriority: 1)
        try p.server.writeObject(streamID: big, objectID: 0, payload: [1, 2, 3])
        try p.server.writeObject(streamID: big, objectID: 1, payload: Array(repeating: 7, count: 1_001))
        p.run()
        // Group 2: objects of exactly the limit pass.
        let ok = try p.server.openSubgroup(id, groupID: 2, publisherPriority: 1)
        try p.server.writeObject(streamID: ok, objectID: 0, payload: Array(repeating: 8, count: 1_000))
        try p.server.endSubgroup(streamID: ok)
        p.run()
        let excessiveLoad = StreamResetCode.excessiveLoad.rawValue
        XCTAssertTrue(p.clientEvents.contains {
            if case .subgroupReset(id, big, 1, 0, excessiveLoad) = $0 { return true } else { return false }
        }, "the subscription sees the oversized subgroup reset")
        XCTAssertTrue(p.serverEvents.contains {
            if case .dataStreamStopped(big, excessiveLoad) = $0 { return true } else { return false }
        }, "the publisher is told with STOP_SENDING")
        let objects = p.clientEvents.compactMap { e -> MoQTReceivedObject? in if case .object(let o) = e { return o } else { return nil } }
        XCTAssertEqual(objects.map { [$0.groupID, $0.objectID, UInt64($0.payload.count)] }, [[1, 0, 3], [2, 0, 1_000]])
        XCTAssertTrue(p.client.isReady && p.server.isReady, "the session goes on")
    }

    func testTheParserRefusesFromTheHeaderWithoutThePayload() throws {
        var w = ByteWriter()
        let header = Draft18.SubgroupHeader(trackAlias: 1, groupID: 0, subgroupID: .zero, publisherPriority: 1, hasProperties: false)
        header.encode(into: &w)
        w.writeVI64(0)            // object ID delta
        w.writeVI64(1 << 40)      // payload length: 1 TiB, none of it sent
        var parser = Draft18.DataStreamParser()
        parser.maxObjectPayload = 64 << 20
        parser.append(w.bytes)
        XCTAssertEqual(try parser.next(), .subgroupHeader(header))
        XCTAssertThrowsError(try parser.next()) { XCTAssertEqual($0 as? Draft18.ObjectTooLarge, Draft18.ObjectTooLarge(objectID: 0, payloadLength: 1 << 40)) }
    }
}
