import XCTest
import Wire
@testable import MoQT
import TestSupport

final class ControlMessageTests: XCTestCase {
    private func roundTrip(_ m: Draft18.ControlMessage, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = m.encoded()
        var r = ByteReader(bytes)
        let d = try Draft18.ControlMessage.decode(from: &r)
        XCTAssertEqual(d, m, file: file, line: line)
        XCTAssertTrue(r.isAtEnd, file: file, line: line)
        // Framing: type vi64, 16-bit length equal to the payload size.
        var f = ByteReader(bytes)
        XCTAssertEqual(try f.readVI64(), m.messageType, file: file, line: line)
        XCTAssertEqual(Int(try f.readUInt16()), f.remaining, file: file, line: line)
    }

    func testEveryMessageKindRoundTrips() throws {
        let track = FullTrackName(namespace: ["demo", "live"], name: "video")
        var params = MessageParameters()
        params.subscriberPriority = 200
        params.groupOrder = .descending
        params.forward = false
        params.subscriptionFilter = .absoluteRange(start: Location(group: 5, object: 1), endGroupDelta: 3)
        params.authorizationTokens = [.useValue(type: 1, value: [1, 2, 3]), .register(alias: 7, type: 2, value: [9])]
        params.objectDeliveryTimeout = 1500
        params.subgroupDeliveryTimeout = 3000
        params.rendezvousTimeout = 0
        params.newGroupRequest = 11
        var ok = MessageParameters()
        ok.largestObject = Location(group: 10, object: 4)
        ok.expires = 60_000
        let props = [KeyValuePair(type: 0x0E, integer: 64), KeyValuePair(type: 0x22, integer: 1)]
        var upd = MessageParameters()
        upd.trackNamespacePrefix = ["demo"]
        upd.forward = true
        var fetchParams = MessageParameters()
        fetchParams.fillTimeout = 250
        fetchParams.groupOrder = .ascending
        let messages: [Draft18.ControlMessage] = [
            .setup(Draft18.Setup(options: SetupOptions(path: "/moq?x=1", authority: "relay.example:4443", implementation: "moq-fastrelay/0.1"))),
            .goAway(Draft18.GoAway(newSessionURI: "moqt://other:4443", timeout: 5000, requestID: 9)),
            .goAway(Draft18.GoAway()),
            .subscribe(Draft18.Subscribe(requestID: 0, track: track, parameters: params)),
            .subscribeOK(Draft18.SubscribeOK(trackAlias: 3, parameters: ok, trackProperties: props)),
            .requestUpdate(Draft18.RequestUpdate(requestID: 2, parameters: upd)),
            .publish(Draft18.Publish(requestID: 1, track: track, trackAlias: 77, parameters: ok, trackProperties: props)),
            .publishDone(Draft18.PublishDone(statusCode: .trackEnded, streamCount: 12, reason: "bye")),
            .fetch(Draft18.Fetch(requestID: 4, range: .standalone(track: track, start: Location(group: 1, object: 0), end: Location(group: 3, object: 0)), parameters: fetchParams)),
            .fetch(Draft18.Fetch(requestID: 6, range: .relativeJoining(requestID: 0, groupsBack: 2))),
            .fetch(Draft18.Fetch(requestID: 8, range: .absoluteJoining(requestID: 0, startGroup: 100))),
            .fetchOK(Draft18.FetchOK(endOfTrack: true, endLocation: Location(group: 3, object: 0), trackProperties: props)),
            .trackStatus(Draft18.TrackStatus(requestID: 10, track: track)),
            .publishNamespace(Draft18.PublishNamespace(requestID: 12, namespace: ["demo"])),
            .namespace(Draft18.Namespace(suffix: ["live"])),
            .namespaceDone(Draft18.NamespaceDone(suffix: ["live"])),
            .subscribeNamespace(Draft18.SubscribeNamespace(requestID: 14, prefix: ["demo"])),
            .subscribeTracks(Draft18.SubscribeTracks(requestID: 16, prefix: [], parameters: { var p = MessageParameters(); p.forward = false; return p }())),
            .publishBlocked(Draft18.PublishBlocked(suffix: ["live"], trackName: Array("audio".utf8))),
            .requestOK(Draft18.RequestOK(parameters: ok, trackProperties: props)),
            .requestOK(Draft18.RequestOK()),
            .requestError(Draft18.RequestError(code: .doesNotExist, retryInterval: 0, reason: "no such track")),
            .requestError(Draft18.RequestError(code: .redirect, retryInterval: 1001, reason: "elsewhere",
                                               redirect: Redirect(connectURI: "moqt://b:4443", namespace: ["x"], trackName: [1]))),
        ]
        XCTAssertEqual(Set(messages.map(\.messageType)).count, 18, "every draft-18 message type is covered")
        for m in messages { try roundTrip(m) }
    }

    /// Known wire bytes, built by hand from the draft's figures.
    func testKnownEncodings() throws {
        // SETUP with MOQT_IMPLEMENTATION "ab": type 0x2F00 as a 2-byte vi64 = AF 00; length 4;
        // option type 7 (delta 7), length 2, "ab".
        XCTAssertEqual(Draft18.ControlMessage.setup(Draft18.Setup(options: SetupOptions(implementation: "ab"))).encoded(),
                       [0xAF, 0x00, 0x00, 0x04, 0x07, 0x02, 0x61, 0x62])
        // SUBSCRIBE id 0, namespace ("a"), name "b", SUBSCRIBER_PRIORITY 200 (uint8) and
        // FORWARD 0: delta 0x10 then 0x10, values one byte each.
        var p = MessageParameters()
        p.subscriberPriority = 200
        p.forward = false
        let sub = Draft18.ControlMessage.subscribe(Draft18.Subscribe(requestID: 0, track: FullTrackName(namespace: ["a"], name: "b"), parameters: p))
        XCTAssertEqual(sub.encoded(), [0x03, 0x00, 0x0B, 0x00, 0x01, 0x01, 0x61, 0x01, 0x62, 0x02, 0x10, 0x00, 0x10, 0xC8])
        // REQUEST_ERROR DOES_NOT_EXIST, retry 0, reason "x".
        XCTAssertEqual(Draft18.ControlMessage.requestError(Draft18.RequestError(code: .doesNotExist, reason: "x")).encoded(),
                       [0x05, 0x00, 0x04, 0x10, 0x00, 0x01, 0x78])
        // The legacy PUBLISH_OK code decodes as REQUEST_OK.
        var r = ByteReader([0x1E, 0x00, 0x01, 0x00])
        XCTAssertEqual(try Draft18.ControlMessage.decode(from: &r), .requestOK(Draft18.RequestOK()))
    }

    func testRandomMessagesRoundTrip() throws {
        var rng = SeededGenerator(seed: 18)
        for i in 0..<3_000 {
            try roundTrip(rng.controlMessage(kind: i))
        }
    }

    func testStreamParserByteByByteMatchesWhole() throws {
        var rng = SeededGenerator(seed: 7)
        let messages = (0..<60).map { rng.controlMessage(kind: $0) }
        let stream = messages.flatMap { $0.encoded() }
        var whole = Draft18.ControlStreamParser()
        whole.append(stream)
        var a: [Draft18.ControlMessage] = []
        while let m = try whole.next() { a.append(m) }
        var bytewise = Draft18.ControlStreamParser()
        var b: [Draft18.ControlMessage] = []
        for byte in stream {
            bytewise.append([byte])
            while let m = try bytewise.next() { b.append(m) }
        }
        XCTAssertEqual(a, messages)
        XCTAssertEqual(b, messages)
        XCTAssertNoThrow(try bytewise.finish())
        // A stream cut inside a message fails at FIN.
        var cut = Draft18.ControlStreamParser()
        cut.append(stream.dropLast())
        while try cut.next() != nil {}
        XCTAssertThrowsError(try cut.finish()) { XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation) }
    }

    func testTruncatedFrameNeedsMoreDataWithoutMoving() throws {
        let bytes = Draft18.ControlMessage.subscribe(Draft18.Subscribe(requestID: 5, track: FullTrackName(namespace: ["n"], name: "t"))).encoded()
        for cut in 0..<bytes.count {
            var r = ByteReader(Array(bytes[0..<cut]))
            XCTAssertThrowsError(try Draft18.ControlMessage.decode(from: &r)) { XCTAssertEqual($0 as? DecodeError, .needMoreData, "cut \(cut)") }
            XCTAssertEqual(r.offset, 0)
        }
    }

    func testErrorCodeRegistries() {
        XCTAssertEqual(SessionErrorCode.allKnown.map(\.rawValue),
                       [0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x8, 0x9, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A])
        XCTAssertEqual(RequestErrorCode.allKnown.map(\.rawValue),
                       [0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x9, 0x10, 0x11, 0x12, 0x19, 0x20, 0x30, 0x31, 0x32, 0x33, 0x34])
        XCTAssertEqual(PublishDoneCode.allKnown.map(\.rawValue), [0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x8, 0x9, 0x12])
        XCTAssertEqual(StreamResetCode.allKnown.map(\.rawValue), [0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x9, 0x12])
        XCTAssertEqual(SessionErrorCode.keyValueFormattingError.name, "KEY_VALUE_FORMATTING_ERROR")
        XCTAssertEqual(SessionErrorCode(rawValue: 0x99).name, "0x99")
        XCTAssertEqual(MoQTError(.protocolViolation, "a"), MoQTError(.protocolViolation, "b"))
        XCTAssertNotEqual(MoQTError(.protocolViolation, "a"), MoQTError(.keyValueFormattingError, "a"))
    }
}
