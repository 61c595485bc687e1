import HTTP3
import Wire
import XCTest

final class WebTransportServerTests: XCTestCase {
    let connectFields = [
        HTTPField(":method", "CONNECT"), HTTPField(":protocol", "webtransport"), HTTPField(":scheme", "https"),
        HTTPField(":authority", "127.0.0.1:4443"), HTTPField(":path", "/moq"), HTTPField("origin", "http://127.0.0.1:8080"),
        HTTPField("wt-available-protocols", "\"moqt-17\", \"moqt-18\""),
    ]

    func makeServer() -> WebTransportServer { WebTransportServer(configuration: .init(supportedProtocols: ["moqt-18"])) }

    func actions(_ s: WebTransportServer) -> [WebTransportServer.Action] {
        var out: [WebTransportServer.Action] = []
        while let a = s.pollAction() { out.append(a) }
        return out
    }

    func headersFrame(_ fields: [HTTPField]) -> [UInt8] { HTTP3FrameType.encode(type: HTTP3FrameType.headers, payload: QPACK.encodeHuffmanLiterals(fields)) }

    var clientControl: [UInt8] {
        // SETTINGS with a GREASE setting, then a GREASE frame (type 0x21 + 0x1f * 2).
        [0x00] + HTTP3FrameType.encode(type: 4, payload: HTTP3Settings([(0x33, 1), (0x2b603742, 1), (0x1f * 5 + 0x21, 3)]).encodePayload())
            + HTTP3FrameType.encode(type: 0x1f * 2 + 0x21, payload: [1, 2, 3])
    }

    func varint(_ v: UInt64) -> [UInt8] { QUICVarint.encode(v) }

    /// Parses the server's HEADERS reply on a stream.
    func responseFields(_ bytes: [UInt8]) throws -> [HTTPField] {
        var r = HTTP3FrameReader()
        r.append(bytes)
        guard case .frame(1, let payload)? = try r.next() else { XCTFail("no HEADERS"); return [] }
        return try QPACK.decode(payload)
    }

    func testSessionEstablishmentStreamsDatagramsAndClose() throws {
        let s = makeServer()
        let control = s.controlStreamBytes()
        XCTAssertEqual(control.first, 0)
        var r = HTTP3FrameReader()
        r.append(Array(control.dropFirst()))
        guard case .frame(4, let payload)? = try r.next() else { return XCTFail("no SETTINGS") }
        let settings = try HTTP3Settings.decode(payload: payload)
        XCTAssertEqual(settings[HTTP3Settings.enableConnectProtocol], 1)
        XCTAssertEqual(settings[HTTP3Settings.h3Datagram], 1)
        XCTAssertEqual(settings[HTTP3Settings.enableWebTransportDraft02], 1)

        // Client control stream (with GREASE), QPACK streams, and a WT uni stream before the CONNECT.
        s.receive(streamID: 2, bytes: clientControl, fin: false)
        s.receive(streamID: 6, bytes: [0x02], fin: false)
        s.receive(streamID: 10, bytes: [0x03, 0x00], fin: false)
        s.receive(streamID: 14, bytes: varint(0x54) + [0x00, 0xAA], fin: false)
        XCTAssertEqual(actions(s), [])
        XCTAssertEqual(s.peerSettings?[0x33], 1)

        // The CONNECT, split inside the HEADERS frame, followed by a GREASE capsule.
        let connect = headersFrame(connectFields) + HTTP3FrameType.encode(type: 0, payload: WebTransportCapsule.unknown(type: 0x17 * 0x29 + 0x2a, value: [1]).encode())
        s.receive(streamID: 0, bytes: Array(connect.prefix(10)), fin: false)
        XCTAssertEqual(actions(s), [])
        s.receive(streamID: 0, bytes: Array(connect.dropFirst(10)), fin: false)
        let got = actions(s)
        XCTAssertEqual(got.count, 4, "\(got)")
        guard case .write(0, let reply, false) = got[0] else { return XCTFail("\(got)") }
        XCTAssertEqual(try responseFields(reply), [HTTPField(":status", "200"), HTTPField("sec-webtransport-http3-draft", "draft02"),
                                                   HTTPField("wt-protocol", "\"moqt-18\"")])
        guard case .sessionReady(0, let request, "moqt-18") = got[1] else { return XCTFail("\(got)") }
        XCTAssertEqual(request.authority, "127.0.0.1:4443")
        XCTAssertEqual(got[2], .streamOpened(streamID: 14, bidirectional: false))
        XCTAssertEqual(got[3], .streamData(streamID: 14, bytes: [0xAA], fin: false))

        // More on the buffered stream; a WT bidi stream; a datagram.
        s.receive(streamID: 14, bytes: [0xBB], fin: true)
        s.receive(streamID: 4, bytes: varint(0x41) + [0x00, 7, 8], fin: false)
        s.receiveDatagram([0x00, 9, 9])
        s.receiveReset(streamID: 4, code: HTTP3ErrorCode.webTransport(5).rawValue)
        XCTAssertEqual(actions(s), [.streamData(streamID: 14, bytes: [0xBB], fin: true), .streamOpened(streamID: 4, bidirectional: true),
                                    .streamData(streamID: 4, bytes: [7, 8], fin: false), .datagram([9, 9]), .streamReset(streamID: 4, code: 5)])
        XCTAssertEqual(s.prefixForLocalStream(3, bidirectional: false), varint(0x54) + [0])
        XCTAssertEqual(s.prefixForLocalStream(1, bidirectional: true), varint(0x41) + [0])
        XCTAssertEqual(s.datagramPrefix(), [0])
        // The peer's answer on our bidi stream comes back as session data.
        s.receive(streamID: 1, bytes: [5], fin: false)
        XCTAssertEqual(actions(s), [.streamData(streamID: 1, bytes: [5], fin: false)])

        // The peer closes: CLOSE_WEBTRANSPORT_SESSION in a DATA frame; we FIN our side.
        s.receive(streamID: 0, bytes: HTTP3FrameType.encode(type: 0, payload: WebTransportCapsule.close(code: 42, message: "done").encode()), fin: false)
        XCTAssertEqual(actions(s), [.write(streamID: 0, bytes: [], fin: true), .sessionClosed(code: 42, message: "done")])
        // A WT stream for the closed session: refused with WT_SESSION_GONE.
        s.receive(streamID: 18, bytes: varint(0x54) + [0x00, 1], fin: false)
        XCTAssertEqual(actions(s), [.stopSending(streamID: 18, code: .webTransportSessionGone)])
        XCTAssertNil(s.connectionError)
    }

    func testLocalCloseSendsCapsuleAndFin() throws {
        let s = makeServer()
        s.receive(streamID: 0, bytes: headersFrame(connectFields), fin: false)
        _ = actions(s)
        s.drainSession()
        s.closeSession(code: 3, message: "going")
        let got = actions(s)
        guard got.count == 2, case .write(0, let drain, false) = got[0], case .write(0, let close, true) = got[1] else { return XCTFail("\(got)") }
        var r = HTTP3FrameReader()
        r.append(drain + close)
        var capsules = CapsuleReader()
        while let e = try r.next() { if case .data(let d) = e { capsules.append(d) } }
        XCTAssertEqual(try capsules.next(), .drain)
        XCTAssertEqual(try capsules.next(), .close(code: 3, message: "going"))
    }

    func testMalformedRequestsAreStreamErrors() throws {
        let s = makeServer()
        // A WT stream for session 4 arrives first and waits.
        s.receive(streamID: 2, bytes: varint(0x54) + [0x04, 1], fin: false)
        // Stream 4: CONNECT without :protocol (but with :scheme and :path): H3_MESSAGE_ERROR on that stream only.
        s.receive(streamID: 4, bytes: headersFrame(connectFields.filter { $0.name != ":protocol" }), fin: false)
        XCTAssertEqual(actions(s), [.stopSending(streamID: 4, code: .messageError), .resetStream(streamID: 4, code: .messageError),
                                    .stopSending(streamID: 2, code: .webTransportSessionGone)])
        // Stream 8: GET: 405 and FIN.
        s.receive(streamID: 8, bytes: headersFrame([HTTPField(":method", "GET"), HTTPField(":scheme", "https"), HTTPField(":authority", "a"), HTTPField(":path", "/")]), fin: true)
        var got = actions(s)
        guard case .write(8, let reply, true)? = got.first else { return XCTFail("\(got)") }
        XCTAssertEqual(try responseFields(reply), [HTTPField(":status", "405")])
        // Stream 0: the real session still works; a second CONNECT (12) gets 429.
        s.receive(streamID: 0, bytes: headersFrame(connectFields), fin: false)
        got = actions(s)
        XCTAssertTrue(got.contains { if case .sessionReady(0, _, _) = $0 { return true } else { return false } })
        s.receive(streamID: 12, bytes: headersFrame(connectFields), fin: false)
        got = actions(s)
        guard case .write(12, let reply2, true)? = got.first else { return XCTFail("\(got)") }
        XCTAssertEqual(try responseFields(reply2), [HTTPField(":status", "429")])
        // No common protocol: 400.
        let other = makeServer()
        other.receive(streamID: 0, bytes: headersFrame(connectFields.map { $0.name == "wt-available-protocols" ? HTTPField($0.name, "\"moqt-99\"") : $0 }), fin: false)
        got = actions(other)
        guard case .write(0, let reply3, true)? = got.first else { return XCTFail("\(got)") }
        XCTAssertEqual(try responseFields(reply3), [HTTPField(":status", "400")])
        XCTAssertNil(s.connectionError)
    }

    func testConnectionErrors() {
        func expect(_ code: HTTP3ErrorCode, _ feed: (WebTransportServer) -> Void, line: UInt = #line) {
            let s = makeServer()
            feed(s)
            let got = actions(s)
            guard case .closeConnection(let e)? = got.last else { return XCTFail("\(got)", line: line) }
            XCTAssertEqual(e.code, code, "\(e)", line: line)
            // Nothing more after a connection error.
            s.receive(streamID: 0, bytes: headersFrame(connectFields), fin: false)
            XCTAssertNil(s.pollAction(), line: line)
        }
        let settingsDup = HTTP3FrameType.encode(type: 4, payload: [0x33, 1, 0x33, 1])
        expect(.settingsError) { $0.receive(streamID: 2, bytes: [0] + settingsDup, fin: false) }
        expect(.settingsError) { $0.receive(streamID: 2, bytes: [0] + HTTP3FrameType.encode(type: 4, payload: [0x02, 0]), fin: false) }
        expect(.settingsError) { $0.receive(streamID: 2, bytes: [0] + HTTP3FrameType.encode(type: 4, payload: [0x33, 2]), fin: false) }
        expect(.frameError) { $0.receive(streamID: 2, bytes: [0] + HTTP3FrameType.encode(type: 4, payload: [0x33]), fin: false) }
        expect(.missingSettings) { $0.receive(streamID: 2, bytes: [0] + HTTP3FrameType.encode(type: 7, payload: [0]), fin: false) }
        expect(.frameUnexpected) {
            $0.receive(streamID: 2, bytes: self.clientControl + HTTP3FrameType.encode(type: 4, payload: []), fin: false)
        }
        expect(.frameUnexpected) { $0.receive(streamID: 2, bytes: self.clientControl + HTTP3FrameType.encode(type: 0x6, payload: []), fin: false) }
        expect(.closedCriticalStream) { $0.receive(streamID: 2, bytes: self.clientControl, fin: true) }
        expect(.closedCriticalStream) { $0.receive(streamID: 6, bytes: [0x02], fin: false); $0.receiveReset(streamID: 6, code: 0) }
        expect(.streamCreationError) { $0.receive(streamID: 2, bytes: self.clientControl, fin: false); $0.receive(streamID: 6, bytes: [0], fin: false) }
        expect(.frameUnexpected) { $0.receive(streamID: 0, bytes: HTTP3FrameType.encode(type: 0, payload: [1]), fin: false) }
        expect(.qpackDecompressionFailed) { $0.receive(streamID: 0, bytes: HTTP3FrameType.encode(type: 1, payload: [0, 0, 0x80]), fin: false) }
        expect(.excessiveLoad) { $0.receive(streamID: 0, bytes: self.varint(1) + self.varint(1 << 20), fin: false) }
        expect(.idError) { $0.receive(streamID: 2, bytes: self.varint(0x54) + [0x02], fin: false) }
        expect(.datagramError) { $0.receiveDatagram([]) }
    }

    func testUnknownStreamTypesAndBufferLimits() {
        let s = makeServer()
        // GREASE uni stream type: STOP_SENDING H3_STREAM_CREATION_ERROR, not a connection error.
        s.receive(streamID: 2, bytes: varint(0x1f * 7 + 0x21) + [1, 2], fin: false)
        XCTAssertEqual(actions(s), [.stopSending(streamID: 2, code: .streamCreationError)])
        // More early WT streams than the buffer holds: the extra ones are refused.
        for i in 0..<25 { s.receive(streamID: 6 + UInt64(i) * 4, bytes: varint(0x54) + [0x00, UInt8(i)], fin: false) }
        XCTAssertEqual(actions(s), [.stopSending(streamID: 6 + 24 * 4, code: .webTransportBufferedStreamRejected)])
        // A datagram before the session is dropped.
        s.receiveDatagram([0, 1])
        XCTAssertEqual(actions(s), [])
        XCTAssertNil(s.connectionError)
        // The CONNECT releases the 24 held streams.
        s.receive(streamID: 0, bytes: headersFrame(connectFields), fin: false)
        let opened = actions(s).filter { if case .streamOpened = $0 { return true } else { return false } }
        XCTAssertEqual(opened.count, 24)
    }

    func testCONNECTStreamFinEndsSession() {
        let s = makeServer()
        s.receive(streamID: 0, bytes: headersFrame(connectFields), fin: false)
        _ = actions(s)
        s.receive(streamID: 0, bytes: [], fin: true)
        XCTAssertEqual(actions(s), [.write(streamID: 0, bytes: [], fin: true), .sessionClosed(code: 0, message: "")])
        XCTAssertTrue(s.isSessionClosed)
    }

    func testWebTransportErrorCodeMapping() {
        for n: UInt32 in [0, 1, 0x1d, 0x1e, 0x1f, 1000, .max] {
            XCTAssertEqual(HTTP3ErrorCode.webTransport(n).webTransportCode, n)
        }
        XCTAssertEqual(HTTP3ErrorCode.webTransport(0).rawValue, 0x52e4a40fa8db)
        XCTAssertNil(HTTP3ErrorCode.noError.webTransportCode)
        // A GREASE point inside the range is not an application code.
        XCTAssertNil(HTTP3ErrorCode(rawValue: 0x52e4a40fa8db + 0x1e).webTransportCode)
    }
}
