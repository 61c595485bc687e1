import CFastPathABI
import CLibBPF
import FastPath
import XCTest

/// Send budget, priority reserve, flow control and what a drop leaves behind.
final class FastPathBudgetTests: XCTestCase {
    private var fixture: FastPathFixture!

    override func setUpWithError() throws {
        fixture = try FastPathFixture(flags: [.enabled, .noClone])
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)], defaultPriority: 7)
    }

    override func tearDown() { fixture = nil }

    func testLowPriorityDroppedWhileHighPriorityPassesAtTheSameBudget() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, budget: 3000) // reserve step 1000
        let low = fixture.mediaPacket(streamID: 6, offset: 0, priority: 5)  // needs 5000 left after it
        let high = fixture.mediaPacket(streamID: 2, offset: 0, priority: 1) // needs 1000 left after it
        _ = try fixture.run(low.frame)
        _ = try fixture.run(high.frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.dropped, .sent])
        XCTAssertEqual(records[0].reason, UInt8(FP_REASON_PRIORITY.rawValue))
        XCTAssertEqual(records[0].upstreamStreamID, 6)
        XCTAssertFalse(records[0].streamOpen, "nothing was sent on it, so there is nothing to reset")
        XCTAssertEqual(records[1].upstreamStreamID, 2)
        XCTAssertEqual(fixture.shared.snapshot(0).budget, 3000 - Int64(high.payload.count))
        let dropped = try XCTUnwrap(try fixture.object.subscriberStream(subscriberID: 0, upstreamID: 0, streamID: 6))
        XCTAssertNotEqual(dropped.flags & FP_SS_DROPPED.rawValue, 0)

        // With plenty of budget again, later packets of the dropped stream are still not forwarded.
        fixture.shared.addBudget(0, 1_000_000)
        _ = try fixture.run(fixture.mediaPacket(streamID: 6, offset: 206).frame)
        _ = try fixture.run(fixture.mediaPacket(streamID: 2, offset: 206).frame)
        let later = try fixture.reader.drain()
        XCTAssertEqual(later.map(\.kind), [.sent])
        XCTAssertEqual(later.first?.upstreamStreamID, 2)
        let counters = try fixture.object.counters()
        XCTAssertEqual(counters.droppedByPriority, 1)
        XCTAssertEqual(counters[FP_CNT_SKIP_DROPPED], 1)
        XCTAssertEqual(counters.forwarded, 2)
        XCTAssertEqual(fixture.shared.snapshot(0).dropped_priority, 1)
    }

    func testExhaustedBudgetDropsEvenTheMostImportantData() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, budget: 100)
        _ = try fixture.run(fixture.mediaPacket(offset: 0, priority: 0).frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.dropped])
        XCTAssertEqual(records.first?.reason, UInt8(FP_REASON_BUDGET.rawValue))
        XCTAssertEqual(fixture.shared.snapshot(0).budget, 100, "a dropped packet costs no budget")
        XCTAssertEqual(try fixture.object.counters().droppedByBudget, 1)
    }

    /// Without a recent loss a shortfall is transient (user space's view of the window lags the
    /// ACKs): the stream goes to user space from the packet that did not fit, nothing is dropped,
    /// and later packets of it stay with user space; other streams keep the fast path.
    func testATransientShortfallHandsTheStreamToUserSpaceInsteadOfDroppingIt() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, budget: 10_000, congested: false)
        _ = try fixture.run(fixture.mediaPacket(offset: 0, priority: 2).frame)
        fixture.shared.addBudget(0, -9_900)  // the window looks full for a moment
        _ = try fixture.run(fixture.mediaPacket(offset: 206, priority: 2).frame)
        fixture.shared.addBudget(0, 1_000_000)  // the ACKs arrive
        _ = try fixture.run(fixture.mediaPacket(offset: 412, priority: 2).frame)
        _ = try fixture.run(fixture.mediaPacket(streamID: 6, offset: 0, priority: 5).frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.sent, .handoff, .sent])
        XCTAssertEqual(records[1].reason, UInt8(FP_REASON_BUDGET.rawValue))
        XCTAssertTrue(records[1].streamOpen)
        XCTAssertEqual(records[1].streamID, 3)
        XCTAssertEqual(records[1].finalSize, 206, "user space sends from the packet that did not fit")
        XCTAssertEqual(records[2].upstreamStreamID, 6, "another stream still takes the fast path")
        let state = try XCTUnwrap(try fixture.object.subscriberStream(subscriberID: 0, upstreamID: 0, streamID: FastPathFixture.mediaStream))
        XCTAssertEqual(state.flags & FP_SS_DROPPED.rawValue, 0, "not dropped")
        XCTAssertNotEqual(state.flags & FP_SS_HANDOFF.rawValue, 0)
        let counters = try fixture.object.counters()
        XCTAssertEqual(counters.droppedByBudget + counters.droppedByPriority, 0)
        XCTAssertEqual(counters.shortfallHandoffs, 1)
        XCTAssertEqual(fixture.shared.snapshot(0).shortfall_handoffs, 1)
    }

    /// The priority reserve too: without congestion, a low-priority stream short of its reserve is
    /// handed over, not dropped; once the path is congested the same shortfall drops.
    func testPriorityReserveDropsOnlyUnderCongestion() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, budget: 3000, congested: false)
        _ = try fixture.run(fixture.mediaPacket(streamID: 6, offset: 0, priority: 5).frame)
        fixture.shared.setCongestedUntil(0, .max)
        _ = try fixture.run(fixture.mediaPacket(streamID: 10, offset: 0, priority: 5).frame)
        // Congestion over (its deadline passed): handoff again.
        fixture.shared.setCongestedUntil(0, 1)
        _ = try fixture.run(fixture.mediaPacket(streamID: 14, offset: 0, priority: 5).frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.handoff, .dropped, .handoff])
        XCTAssertEqual(records.map(\.reason), [UInt8(FP_REASON_PRIORITY.rawValue), UInt8(FP_REASON_PRIORITY.rawValue), UInt8(FP_REASON_PRIORITY.rawValue)])
        XCTAssertEqual(records.map(\.upstreamStreamID), [6, 10, 14])
    }

    func testDropAfterTheStreamOpenedReportsTheResetFinalSize() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, budget: 10_000)
        _ = try fixture.run(fixture.mediaPacket(offset: 0, priority: 2).frame)
        fixture.shared.addBudget(0, -9_000)
        _ = try fixture.run(fixture.mediaPacket(offset: 206, priority: 2).frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.sent, .dropped])
        XCTAssertTrue(records[1].streamOpen)
        XCTAssertEqual(records[1].streamID, 3)
        XCTAssertEqual(records[1].finalSize, 206, "RESET_STREAM final size: everything sent so far")
        XCTAssertEqual(records[1].offset, 206)
    }

    func testDefaultPriorityComesFromTheTrack() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, budget: 3000)
        _ = try fixture.run(fixture.mediaPacket(streamID: 2, offset: 0, priority: nil).frame) // track default 7
        let stream = try XCTUnwrap(try fixture.object.stream(upstreamID: 0, streamID: 2))
        XCTAssertEqual(stream.priority, 7)
        XCTAssertEqual(stream.group_id, 9)
        XCTAssertEqual(stream.alias, 5)
        XCTAssertEqual(stream.track_id, 42)
        XCTAssertEqual(stream.header_len, 5, "type, alias, 2-byte group, subgroup; no priority byte")
        XCTAssertEqual(stream.alias_off, 1)
        XCTAssertEqual(stream.alias_len, 1)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)], defaultPriority: 0)
        _ = try fixture.run(fixture.mediaPacket(streamID: 6, offset: 0, priority: nil).frame)
        XCTAssertEqual(try fixture.reader.drain().map(\.kind), [.dropped, .sent])
        XCTAssertEqual(try fixture.object.stream(upstreamID: 0, streamID: 6)?.priority, 0)
    }

    func testMissingStreamCreditHandsTheStreamToUserSpace() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, streamsCredit: 0)
        _ = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.handoff])
        XCTAssertEqual(records.first?.reason, UInt8(FP_REASON_STREAMS_CREDIT.rawValue))
        let snapshot = fixture.shared.snapshot(0)
        XCTAssertEqual(snapshot.streams_credit, 0, "credit is given back")
        XCTAssertEqual(snapshot.budget, 1 << 30, "budget is given back")
        XCTAssertEqual(snapshot.next_uni_stream, 0, "no stream ID was consumed")
        _ = try fixture.run(fixture.mediaPacket(offset: 206).frame)
        XCTAssertEqual(try fixture.object.counters().forwarded, 0)
    }

    func testConnectionAndStreamFlowControl() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0, connectionCredit: 300)
        _ = try fixture.run(fixture.mediaPacket(streamID: 2, offset: 0).frame)            // 206 bytes: fits
        _ = try fixture.run(fixture.mediaPacket(streamID: 2, offset: 206).frame)          // 200 more: no
        var records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.sent, .handoff])
        XCTAssertEqual(records[1].reason, UInt8(FP_REASON_CONN_CREDIT.rawValue))
        XCTAssertEqual(records[1].finalSize, 206, "user space continues at the next offset")
        XCTAssertEqual(records[1].streamID, 3)
        XCTAssertEqual(fixture.shared.snapshot(0).conn_credit, 300 - 206)

        var s = try fixture.subscriber(1)
        s.initialMaxStreamData = 100
        try fixture.addSubscriber(s, id: 1)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 1, alias: 9)])
        _ = try fixture.run(fixture.mediaPacket(streamID: 10, offset: 0).frame)
        records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.handoff])
        XCTAssertEqual(records.first?.reason, UInt8(FP_REASON_STREAM_CREDIT.rawValue))
    }

    func testSubscriberJoiningMidStreamWaitsForTheNextStream() throws {
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)
        try fixture.addSubscriber(try fixture.subscriber(1), id: 1)
        _ = try fixture.run(fixture.mediaPacket(offset: 0).frame)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9), FastPathTrackSubscriber(subscriberID: 1, alias: 9)])
        _ = try fixture.run(fixture.mediaPacket(offset: 206).frame)
        _ = try fixture.run(fixture.mediaPacket(streamID: 6, offset: 0).frame)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.subscriberID), [0, 0, 0, 1])
        XCTAssertEqual(records.map(\.upstreamStreamID), [2, 2, 6, 6])
        XCTAssertEqual(try fixture.object.counters()[FP_CNT_SKIP_MIDSTREAM], 1)
    }
}
