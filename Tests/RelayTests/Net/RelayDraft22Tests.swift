import Foundation
import MoQT
@testable import MoQTNet
import QUIC
import QUICIO
import QUICTLS
import XCTest
@testable import Relay

/// One relay serving sessions of both drafts, over real QUIC on loopback: the ALPN a client offers
/// decides each session's draft, and a draft-22 publisher's track reaches a draft-18 and a
/// draft-22 subscriber alike (and a draft-22 FETCH is served from the cache).
final class RelayDraft22Tests: XCTestCase {
    private let ns = TrackNamespace(strings: ["d22", "mixed"])
    private var track: FullTrackName { FullTrackName(namespace: ns, name: "video") }
    private let sizes = (i: 700, p: 250, b: 120)

    /// A client session to the harness's relay offering `alpns` (in that order).
    private func connect(_ harness: RelayHarness, _ handler: MoQTSessionHandler, alpns: [String],
                         clients: inout [QUICEndpoint]) async throws -> MoQTConnection {
        var config = EndpointConfiguration()
        config.connection = MoQTEndpoint.connectionConfiguration()
        let quic = try await QUICEndpoint.bind(host: "127.0.0.1", port: 0, configuration: config)
        clients.append(quic)
        let tls = TLSConfiguration.client(alpnProtocols: alpns, serverName: "localhost", verifyPeer: false)
        var session: MoQTConnection?
        _ = try await quic.connect(host: "127.0.0.1", port: harness.port,
                                   tlsFactory: { try GnuTLSSession(configuration: tls, localTransportParameters: $0) },
                                   delegate: { c in
                                       let m = MoQTConnection(quic: c, core: c.coreOnLoop, role: .client, configuration: MoQTSessionConfiguration())
                                       m.handler = handler
                                       session = m
                                       return m
                                   })
        guard let session else { throw MoQTNetError.badURL(harness.url) }
        try await session.waitUntilReady()
        return session
    }

    func testOneTrackToADraft18AndADraft22Subscriber() async throws {
        let harness = try await RelayHarness()
        var clients: [QUICEndpoint] = []
        defer { Task { [clients] in for c in clients { await c.close() } } }

        // The publisher speaks draft-22 only.
        let publisher = SyntheticPublisher(namespace: ns)
        let pub = try await connect(harness, publisher, alpns: ["moqt-22"], clients: &clients)
        publisher.connection = pub
        XCTAssertEqual(pub.draft, .draft22)
        _ = try await pub.perform { [ns] in try $0.publishNamespace(ns) }
        try await waitUntil { publisher.announced }

        // A draft-18 subscriber and a draft-22 one; a client offering both gets the relay's first
        // choice, draft-18.
        let old = CollectingSubscriber(), new = CollectingSubscriber(), both = CollectingSubscriber()
        let oldConn = try await connect(harness, old, alpns: ["moqt-18"], clients: &clients)
        let newConn = try await connect(harness, new, alpns: ["moqt-22"], clients: &clients)
        let bothConn = try await connect(harness, both, alpns: ["moqt-22", "moqt-18"], clients: &clients)
        XCTAssertEqual(oldConn.draft, .draft18)
        XCTAssertEqual(newConn.draft, .draft22)
        XCTAssertEqual(bothConn.draft, .draft18)
        for c in [oldConn, newConn, bothConn] {
            // The largest-object filter is a LOCATION_FILTER Next Object at draft-22.
            _ = try await c.perform { [track] in try $0.subscribe(track, filter: .largestObject) }
        }
        try await waitUntil { old.log.subscribed && new.log.subscribed && both.log.subscribed && !publisher.subscriptions.isEmpty }

        for g in 0..<3 { try await publisher.publishGroup(UInt64(g), frames: 9, sizes: sizes) }
        try await waitUntil { old.log.objects.count >= 27 && new.log.objects.count >= 27 && both.log.objects.count >= 27 }
        func key(_ r: CollectingSubscriber.Received) -> [UInt64] { [r.group, r.object, r.subgroup ?? 99, UInt64(r.priority), UInt64(r.size)] }
        let want = (0..<3).flatMap { g in (0..<9).map { [UInt64(g), UInt64($0)] } }
        for s in [old, new, both] {
            XCTAssertEqual(s.log.objects.map { [$0.group, $0.object] }.sorted { $0.lexicographicallyPrecedes($1) }, want)
        }
        XCTAssertEqual(Set(old.log.objects.map(key)), Set(new.log.objects.map(key)), "draft-18 and draft-22 subscribers got different objects")

        // A draft-22 FETCH (range in LOCATION_FILTER, inclusive ends on the wire) from the cache:
        // group 1 whole and group 2 up to object 3.
        let fetcher = CollectingSubscriber()
        newConn.handler = fetcher
        _ = try await newConn.perform { [track] in try $0.fetch(track, start: Location(group: 1, object: 0), end: Location(group: 2, object: 4)) }
        let ended = await eventually { fetcher.log.fetchEnded }
        XCTAssertTrue(ended, "draft-22 fetch not ended: \(fetcher.log.fetched.count) objects, rejected \(fetcher.log.rejected)")
        XCTAssertEqual(fetcher.log.fetched.map { [$0.group, $0.object] },
                       (0..<9).map { [UInt64(1), UInt64($0)] } + (0..<4).map { [UInt64(2), UInt64($0)] })
        // An open-ended draft-22 FETCH (Absolute Start: up to the largest object).
        let open = CollectingSubscriber()
        let openConn = try await connect(harness, open, alpns: ["moqt-22"], clients: &clients)
        let t0 = Date()
        _ = try await openConn.perform { [track] in try $0.fetch(track, start: Location(group: 2, object: 5), end: Draft22.openEnd) }
        let openEnded = await eventually(timeout: 8) { open.log.fetchEnded }
        XCTAssertTrue(openEnded, "open-ended fetch not ended: \(open.log.fetched.count) objects")
        XCTAssertEqual(open.log.fetched.map { [$0.group, $0.object] }, (5..<9).map { [UInt64(2), UInt64($0)] })
        // From the cache at once: the span ends at the largest object, nothing is asked upstream
        // (which took the upstream FETCH timeout, 3 s, before the end was clamped).
        XCTAssertLessThan(Date().timeIntervalSince(t0), 1.5)

        // draft-22's joining: a SUBSCRIBE with FILL_PARAMETERS (the current group) gets a fill stream
        // from the cache under its own Request ID.
        let joiner = CollectingSubscriber()
        let joinConn = try await connect(harness, joiner, alpns: ["moqt-22"], clients: &clients)
        var params = MessageParameters()
        params.fillParameters = Draft22.FillRequest(locationFilter: .relativeStart(groupsBack: 1)).encoded
        _ = try await joinConn.perform { [track] in try $0.subscribe(track, filter: .largestObject, parameters: params) }
        let filled = await eventually { joiner.log.fetchEnded }
        XCTAssertTrue(filled, "no fill stream: \(joiner.log.fetched.count) objects")
        XCTAssertEqual(joiner.log.fetched.map { [$0.group, $0.object] }, (0..<9).map { [UInt64(2), UInt64($0)] })
        XCTAssertTrue(joiner.log.subscribed)
        // ... and the subscription itself starts after the largest object: group 2 is not replayed
        // on subgroup streams as well; the next group arrives live.
        try await publisher.publishGroup(3, frames: 9, sizes: sizes)
        try await waitUntil { joiner.log.objects.count >= 9 }
        XCTAssertEqual(joiner.log.objects.map { [$0.group, $0.object] }.sorted { $0.lexicographicallyPrecedes($1) },
                       (0..<9).map { [UInt64(3), UInt64($0)] })
        // A joining FETCH does not exist at draft-22.
        do {
            _ = try await newConn.perform { try $0.fetch(range: .relativeJoining(requestID: 0, groupsBack: 1)) }
            XCTFail("joining FETCH accepted at draft-22")
        } catch let e as MoQTSessionError {
            XCTAssertEqual(e, .notInDraft("joining FETCH"))
        }
        await harness.close()
    }

    func testRangeFiltersAndFillByUpdateThroughTheRelay() async throws {
        let harness = try await RelayHarness()
        var clients: [QUICEndpoint] = []
        defer { Task { [clients] in for c in clients { await c.close() } } }
        let publisher = SyntheticPublisher(namespace: ns)
        let pub = try await connect(harness, publisher, alpns: ["moqt-22"], clients: &clients)
        publisher.connection = pub
        _ = try await pub.perform { [ns] in try $0.publishNamespace(ns) }
        try await waitUntil { publisher.announced }

        // One subscriber takes object IDs 0, 5 and 6 of each group (an OBJECTID_FILTER), one everything.
        let filtered = CollectingSubscriber(), all = CollectingSubscriber()
        let fConn = try await connect(harness, filtered, alpns: ["moqt-22"], clients: &clients)
        let aConn = try await connect(harness, all, alpns: ["moqt-22"], clients: &clients)
        XCTAssertEqual(fConn.session.peerSetupOptions?.maxFilterRanges, 16)
        var params = MessageParameters()
        params.rangeFilters = [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(0, 0), .init(5, 6)])]
        let subID = try await fConn.perform { [track, params] in try $0.subscribe(track, filter: .largestObject, parameters: params) }
        _ = try await aConn.perform { [track] in try $0.subscribe(track, filter: .largestObject) }
        try await waitUntil { filtered.log.subscribed && all.log.subscribed && !publisher.subscriptions.isEmpty }
        for g in 0..<3 { try await publisher.publishGroup(UInt64(g), frames: 9, sizes: sizes) }
        try await waitUntil { all.log.objects.count >= 27 && filtered.log.objects.count >= 9 }
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(filtered.log.objects.map { [$0.group, $0.object] }.sorted { $0.lexicographicallyPrecedes($1) },
                       (0..<3).flatMap { g in [0, 5, 6].map { [UInt64(g), UInt64($0)] } })
        XCTAssertEqual(all.log.objects.count, 27)

        // A filtered FETCH from the cache: group 1 (End Location object 0: the whole group), object IDs 2-3.
        let fetcher = CollectingSubscriber()
        aConn.handler = fetcher
        var fp = MessageParameters()
        fp.rangeFilters = [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(2, 3)])]
        _ = try await aConn.perform { [track, fp] in try $0.fetch(track, start: Location(group: 1, object: 0), end: Location(group: 1, object: 0), parameters: fp) }
        let ended = await eventually { fetcher.log.fetchEnded }
        XCTAssertTrue(ended, "filtered fetch not ended")
        XCTAssertEqual(fetcher.log.fetched.map { [$0.group, $0.object] }, [[1, 2], [1, 3]])

        // FILL_PARAMETERS in a REQUEST_UPDATE: group 2 from the cache on a fill stream, whose
        // OBJECTID_FILTER (7-8) replaces the subscription's for the fill.
        let filler = CollectingSubscriber()
        fConn.handler = filler
        var u = MessageParameters()
        u.fillParameters = Draft22.FillRequest(locationFilter: .absoluteStart(Location(group: 2, object: 0)),
                                               rangeFilters: [RangeFilter(kind: .objectID, setID: 0, ranges: [.init(7, 8)])]).encoded
        _ = try await fConn.perform { [u] in try $0.requestUpdate(subID, parameters: u) }
        let filled = await eventually { filler.log.fetchEnded }
        XCTAssertTrue(filled, "no fill stream after REQUEST_UPDATE: \(filler.log.fetched.count) objects")
        XCTAssertEqual(filler.log.fetched.map { [$0.group, $0.object] }, [[2, 7], [2, 8]])
        // The live subscription keeps its own filter.
        try await publisher.publishGroup(3, frames: 9, sizes: sizes)
        try await waitUntil { filler.log.objects.count >= 3 }
        try await Task.sleep(nanoseconds: 200_000_000)
        XCTAssertEqual(filler.log.objects.map { [$0.group, $0.object] }.sorted { $0.lexicographicallyPrecedes($1) }, [[3, 0], [3, 5], [3, 6]])

        // More ranges than the relay's MAX_FILTER_RANGES (16): INVALID_FILTER.
        let greedy = CollectingSubscriber()
        let gConn = try await connect(harness, greedy, alpns: ["moqt-22"], clients: &clients)
        var many = MessageParameters()
        many.rangeFilters = [RangeFilter(kind: .objectID, setID: 0, ranges: (0..<17).map { .init($0 * 2, $0 * 2) })]
        let gID = try await gConn.perform { [track, many] in try $0.subscribe(track, parameters: many) }
        let refused = await eventually { greedy.log.requestErrors[gID] != nil }
        XCTAssertTrue(refused)
        XCTAssertEqual(greedy.log.requestErrors[gID], .invalidFilter)
        // SUBSCRIBE_TRACKS with a TRACK_PROPERTY_FILTER: refused (NOT_SUPPORTED), not ignored.
        var tp = MessageParameters()
        tp.rangeFilters = [RangeFilter(kind: .trackProperty, setID: 0, propertyType: 2, ranges: [.init(1, 1)])]
        let tID = try await gConn.perform { [ns, tp] in try $0.subscribeTracks(ns, parameters: tp) }
        let tRefused = await eventually { greedy.log.requestErrors[tID] != nil }
        XCTAssertTrue(tRefused)
        XCTAssertEqual(greedy.log.requestErrors[tID], .notSupported)
        XCTAssertTrue(greedy.log.published.isEmpty)
        await harness.close()
    }

    func testChainedRelaysSpeakDraft22Upstream() async throws {
        // Relay A accepts draft-22 only; relay B dials it offering both, so B's upstream session
        // is draft-22 while B's subscriber speaks draft-18. A FETCH B cannot answer from its cache
        // goes upstream as a draft-22 FETCH (range in LOCATION_FILTER).
        let saved = MoQTEndpoint.transportOptions.drafts
        defer { MoQTEndpoint.transportOptions.drafts = saved }
        MoQTEndpoint.transportOptions.drafts = [.draft22]
        let a = try await RelayHarness()
        MoQTEndpoint.transportOptions.drafts = saved
        var clients: [QUICEndpoint] = []
        defer { Task { [clients] in for c in clients { await c.close() } } }
        let publisher = SyntheticPublisher(namespace: ns)
        let pub = try await connect(a, publisher, alpns: ["moqt-22"], clients: &clients)
        publisher.connection = pub
        _ = try await pub.perform { [ns] in try $0.publishNamespace(ns) }
        try await waitUntil { publisher.announced }
        let live = CollectingSubscriber()
        let liveConn = try await connect(a, live, alpns: ["moqt-22"], clients: &clients)
        _ = try await liveConn.perform { [track] in try $0.subscribe(track) }
        try await waitUntil { live.log.subscribed && !publisher.subscriptions.isEmpty }
        for g in 0..<3 { try await publisher.publishGroup(UInt64(g), frames: 5, sizes: sizes) }
        try await waitUntil { live.log.objects.count >= 15 }

        let b = try await RelayHarness(upstream: a.url)
        let fetcher = CollectingSubscriber()
        let (conn, _) = try await b.connect(fetcher)   // draft-18 (the harness offers moqt-18)
        XCTAssertEqual(conn.draft, .draft18)
        // Group 0 from object 3 and group 1 whole (group 2 exists, so group 1 is known complete).
        _ = try await conn.perform { [track] in try $0.fetch(track, start: Location(group: 0, object: 3), end: Location(group: 1, object: 0)) }
        let ended = await eventually { fetcher.log.fetchEnded }
        XCTAssertTrue(ended, "fetch through B not ended: \(fetcher.log.fetched.count) objects, rejected \(fetcher.log.rejected)")
        XCTAssertEqual(fetcher.log.fetched.map { [$0.group, $0.object] },
                       (3..<5).map { [UInt64(0), UInt64($0)] } + (0..<5).map { [UInt64(1), UInt64($0)] })
        let statsB = await b.relay.currentStats()
        XCTAssertEqual(statsB.cacheMisses, 1)
        await b.close()
        await a.close()
    }

    func testDraftOptionValues() {
        XCTAssertEqual(MoQTTransportOptions().drafts, [.draft18, .draft22])
        XCTAssertEqual(MoQTTransportOptions().alpns, ["moqt-18", "moqt-22"])
        XCTAssertEqual(MoQTTransportOptions.drafts(argument: "22"), [.draft22])
        XCTAssertEqual(MoQTTransportOptions.drafts(argument: "22,18"), [.draft22, .draft18])
        XCTAssertEqual(MoQTTransportOptions.drafts(argument: "18, 22"), [.draft18, .draft22])
        XCTAssertEqual(MoQTTransportOptions.drafts(argument: "both"), [.draft18, .draft22])
        XCTAssertEqual(MoQTTransportOptions.drafts(argument: "moqt-22,22"), [.draft22])
        XCTAssertNil(MoQTTransportOptions.drafts(argument: "14"))
        XCTAssertNil(MoQTTransportOptions.drafts(argument: "18,20"))
        XCTAssertNil(MoQTTransportOptions.drafts(argument: ""))
    }

    func testAServerPinnedToOneDraftRefusesTheOther() async throws {
        let saved = MoQTEndpoint.transportOptions.drafts
        defer { MoQTEndpoint.transportOptions.drafts = saved }
        MoQTEndpoint.transportOptions.drafts = [.draft22]
        let harness = try await RelayHarness()
        MoQTEndpoint.transportOptions.drafts = saved
        var clients: [QUICEndpoint] = []
        defer { Task { [clients] in for c in clients { await c.close() } } }
        let a = CollectingSubscriber()
        let conn = try await connect(harness, a, alpns: ["moqt-18", "moqt-22"], clients: &clients)
        XCTAssertEqual(conn.draft, .draft22)
        do {
            _ = try await connect(harness, a, alpns: ["moqt-18"], clients: &clients)
            XCTFail("a draft-22-only server accepted moqt-18")
        } catch {}
        // MoQTEndpoint.connect offers what it is told.
        let client = try await MoQTEndpoint.client()
        let c2 = try await client.connect(url: harness.url, insecure: true, drafts: [.draft18, .draft22], handler: nil)
        XCTAssertEqual(c2.draft, .draft22)
        await c2.close()
        await client.close()
        await harness.close()
    }
}
