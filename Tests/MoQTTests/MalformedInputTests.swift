import XCTest
import Wire
@testable import MoQT

/// Malformed inputs, each rejected with the session error code draft-18 assigns.
final class MalformedInputTests: XCTestCase {
    // MARK: Byte builders

    private func vi(_ v: UInt64) -> [UInt8] { VI64.encode(v) }
    private func lp(_ b: [UInt8]) -> [UInt8] { vi(UInt64(b.count)) + b }
    private func frame(_ type: UInt64, _ payload: [UInt8]) -> [UInt8] {
        vi(type) + [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)] + payload
    }
    private func ns(_ fields: [[UInt8]]) -> [UInt8] { vi(UInt64(fields.count)) + fields.flatMap { lp($0) } }
    private let a: [UInt8] = [0x61]
    /// SUBSCRIBE payload for namespace ("a"), name "a", followed by `params` (already counted).
    private func subscribe(params: [UInt8]) -> [UInt8] { frame(0x3, vi(0) + ns([a]) + lp(a) + params) }
    private func decodeControl(_ bytes: [UInt8]) throws { var r = ByteReader(bytes); _ = try Draft18.ControlMessage.decode(from: &r) }
    private func decodeSubgroup(_ bytes: [UInt8]) throws {
        var p = Draft18.DataStreamParser()
        p.append(bytes)
        _ = try p.drain()
        try p.finish()
    }
    private func decodeFetch(_ bytes: [UInt8], order: GroupOrder = .ascending) throws {
        var p = Draft18.DataStreamParser(groupOrderForFetch: { _ in order })
        p.append(vi(0x05) + vi(1) + bytes)
        _ = try p.drain()
        try p.finish()
    }

    private var cases: [(String, SessionErrorCode, () throws -> Void)] {
        let pv = SessionErrorCode.protocolViolation
        let kv = SessionErrorCode.keyValueFormattingError
        return [
            // Framing.
            ("unknown message type", pv, { try self.decodeControl(self.frame(0x99, [])) }),
            ("length longer than the fields", pv, { try self.decodeControl(self.subscribe(params: self.vi(0) + [0xee])) }),
            ("length shorter than the fields", pv, { try self.decodeControl(self.frame(0x3, self.vi(0) + self.ns([self.a]))) }),
            ("truncated vi64 inside a complete frame", pv, { try self.decodeControl(self.frame(0xB, [0x00, 0xC0])) }),
            ("cut control stream at FIN", pv, {
                var p = Draft18.ControlStreamParser()
                p.append(self.subscribe(params: self.vi(0)).dropLast())
                _ = try p.next()
                try p.finish()
            }),
            // Names.
            ("namespace with 33 fields", pv, { try self.decodeControl(self.frame(0x6, self.vi(0) + self.ns(Array(repeating: self.a, count: 33)) + self.vi(0))) }),
            ("namespace field count 2^40", pv, { try self.decodeControl(self.frame(0x8, self.vi(1 << 40))) }),
            ("empty namespace field", pv, { try self.decodeControl(self.frame(0x8, self.ns([[]]))) }),
            ("namespace longer than 4096 bytes", pv, {
                try self.decodeControl(self.frame(0x8, self.ns([[UInt8](repeating: 0x61, count: 3000), [UInt8](repeating: 0x62, count: 1200)])))
            }),
            ("full track name longer than 4096 bytes", pv, {
                try self.decodeControl(self.frame(0x3, self.vi(0) + self.ns([[UInt8](repeating: 0x61, count: 4000)]) + self.lp([UInt8](repeating: 0x62, count: 97)) + self.vi(0)))
            }),
            ("track name length 2^60", pv, { try self.decodeControl(self.frame(0x3, self.vi(0) + self.ns([self.a]) + self.vi(1 << 60))) }),
            // Parameters.
            ("unknown parameter type", pv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x40) + self.vi(1))) }),
            ("parameter not allowed in the message (strict scope)", pv, {
                var r = ByteReader(self.subscribe(params: self.vi(1) + self.vi(0x34) + self.ns([self.a])))
                _ = try Draft18.ControlMessage.decode(from: &r, options: .strict)
            }),
            ("duplicate SUBSCRIBER_PRIORITY", pv, { try self.decodeControl(self.subscribe(params: self.vi(2) + self.vi(0x20) + [1] + self.vi(0) + [2])) }),
            ("FORWARD = 2", pv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x10) + [2])) }),
            ("GROUP_ORDER = 0", pv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x22) + [0])) }),
            ("GROUP_ORDER = 3", pv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x22) + [3])) }),
            ("parameter type delta overflow", pv, {
                try self.decodeControl(self.subscribe(params: self.vi(2) + self.vi(0x20) + [1] + self.vi(UInt64.max) + [0]))
            }),
            ("any parameter in FETCH_OK (strict scope)", pv, {
                var r = ByteReader(self.frame(0x18, [0] + self.vi(1) + self.vi(0) + self.vi(1) + self.vi(0x08) + self.vi(5)))
                _ = try Draft18.ControlMessage.decode(from: &r, options: .strict)
            }),
            ("first fetch object without a publisher priority", pv, { try self.decodeFetch(self.vi(0x0C) + self.vi(1) + self.vi(0) + self.vi(0)) }),
            ("invalid filter type 5", pv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x21) + self.lp(self.vi(5)))) }),
            ("filter type 0", pv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x21) + self.lp(self.vi(0)))) }),
            ("truncated AbsoluteStart filter", kv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x21) + self.lp(self.vi(3) + self.vi(7)))) }),
            ("filter with trailing bytes", kv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x21) + self.lp(self.vi(1) + [0]))) }),
            ("filter end group past 2^64-1", pv, {
                try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x21) + self.lp(self.vi(4) + self.vi(UInt64.max) + self.vi(0) + self.vi(1))))
            }),
            ("token with alias type 4", kv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x03) + self.lp(self.vi(4) + self.vi(1)))) }),
            ("REGISTER token without type", kv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x03) + self.lp(self.vi(1) + self.vi(9)))) }),
            ("DELETE token with trailing bytes", kv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x03) + self.lp(self.vi(0) + self.vi(9) + [1]))) }),
            ("empty token", kv, { try self.decodeControl(self.subscribe(params: self.vi(1) + self.vi(0x03) + self.lp([]))) }),
            // SETUP.
            ("duplicate PATH option", pv, { try self.decodeControl(self.frame(0x2F00, self.vi(1) + self.lp([0x2f]) + self.vi(0) + self.lp([0x2f]))) }),
            ("PATH not UTF-8", .malformedPath, { try self.decodeControl(self.frame(0x2F00, self.vi(1) + self.lp([0xff, 0xfe]))) }),
            ("AUTHORITY not UTF-8", .malformedAuthority, { try self.decodeControl(self.frame(0x2F00, self.vi(5) + self.lp([0xc3]))) }),
            ("setup option running past the payload", pv, { try self.decodeControl(self.frame(0x2F00, self.vi(7) + self.vi(10) + [1, 2])) }),
            ("setup token undecodable", kv, { try self.decodeControl(self.frame(0x2F00, self.vi(3) + self.lp(self.vi(9)))) }),
            // Other messages.
            ("reason phrase of 1025 bytes", pv, { try self.decodeControl(self.frame(0xB, self.vi(0) + self.vi(0) + self.lp([UInt8](repeating: 0x61, count: 1025)))) }),
            ("GOAWAY URI of 8193 bytes", pv, { try self.decodeControl(self.frame(0x10, self.lp([UInt8](repeating: 0x61, count: 8193)) + self.vi(0))) }),
            ("GOAWAY with bytes after the request ID", pv, { try self.decodeControl(self.frame(0x10, self.lp([]) + self.vi(0) + self.vi(1) + [0])) }),
            ("fetch type 4", pv, { try self.decodeControl(self.frame(0x16, self.vi(0) + self.vi(4) + self.vi(0))) }),
            ("FETCH_OK End Of Track = 2", pv, { try self.decodeControl(self.frame(0x18, [2] + self.vi(0) + self.vi(0) + self.vi(0))) }),
            ("REDIRECT without its structure", pv, { try self.decodeControl(self.frame(0x5, self.vi(0x34) + self.vi(0) + self.lp([]))) }),
            ("track properties overrunning the message", pv, { try self.decodeControl(self.frame(0x7, self.vi(0) + self.vi(1) + self.vi(5) + [1])) }),
            // Subgroup streams.
            ("subgroup header type 0x16 (reserved mode)", pv, { try self.decodeSubgroup(self.vi(0x16) + self.vi(1) + self.vi(1)) }),
            ("subgroup header type 0x7F", pv, { try self.decodeSubgroup(self.vi(0x7F) + self.vi(1) + self.vi(1)) }),
            ("unknown stream type 0x0F", pv, { try self.decodeSubgroup(self.vi(0x0F) + self.vi(1)) }),
            ("unknown stream type 0x80", pv, { try self.decodeSubgroup(self.vi(0x80) + self.vi(1)) }),
            ("object status 2", pv, { try self.decodeSubgroup(self.vi(0x10) + self.vi(1) + self.vi(0) + [0] + self.vi(0) + self.vi(0) + self.vi(2)) }),
            ("end-of-group status with properties", pv, {
                try self.decodeSubgroup(self.vi(0x11) + self.vi(1) + self.vi(0) + [0] + self.vi(0) + self.lp(self.vi(2) + self.vi(1)) + self.vi(0) + self.vi(3))
            }),
            ("object ID past 2^64-1", pv, {
                try self.decodeSubgroup(self.vi(0x30) + self.vi(1) + self.vi(0) + self.vi(UInt64.max) + self.vi(0) + self.vi(0) + self.vi(0) + self.vi(0) + self.vi(0))
            }),
            ("property value longer than 65535", pv, {
                try self.decodeSubgroup(self.vi(0x31) + self.vi(1) + self.vi(0) + self.vi(0) + self.lp(self.vi(1) + self.vi(0x10000)) + self.vi(0) + self.vi(0))
            }),
            ("property type delta overflow", pv, {
                try self.decodeSubgroup(self.vi(0x31) + self.vi(1) + self.vi(0) + self.vi(0) + self.lp(self.vi(UInt64.max - 1) + self.vi(0) + self.vi(2) + self.vi(0)) + self.vi(0) + self.vi(0))
            }),
            ("FIN inside an object", pv, { try self.decodeSubgroup(self.vi(0x30) + self.vi(1) + self.vi(0) + self.vi(0) + self.vi(10) + [1, 2, 3]) }),
            // Fetch streams.
            ("fetch flags 0x80", pv, { try self.decodeFetch(self.vi(0x80)) }),
            ("fetch flags 0x8D", pv, { try self.decodeFetch(self.vi(0x8D)) }),
            ("first fetch object without group", pv, { try self.decodeFetch(self.vi(0x14) + self.vi(0) + [1] + self.vi(0)) }),
            ("first fetch object with prior subgroup", pv, { try self.decodeFetch(self.vi(0x1D) + self.vi(0) + self.vi(0) + [1] + self.vi(0)) }),
            ("first fetch object without priority", pv, { try self.decodeFetch(self.vi(0x0C) + self.vi(0) + self.vi(0) + self.vi(0)) }),
            ("descending fetch group below 0", pv, {
                try self.decodeFetch(self.vi(0x1C) + self.vi(1) + self.vi(0) + [1] + self.vi(1) + [0] + self.vi(0x08) + self.vi(5) + self.vi(1) + [0], order: .descending)
            }),
            // Datagrams.
            ("datagram type 0x22 (status + end of group)", pv, { _ = try Draft18.ObjectDatagram.decode(self.vi(0x22) + self.vi(1) + self.vi(1) + self.vi(1) + [0] + self.vi(0)) }),
            ("datagram type 0x10", pv, { _ = try Draft18.ObjectDatagram.decode(self.vi(0x10) + self.vi(1) + self.vi(1)) }),
            ("unknown datagram type 0x1234", pv, { _ = try Draft18.Datagram.decode(self.vi(0x1234) + [0]) }),
            ("datagram PROPERTIES bit with empty block", pv, { _ = try Draft18.ObjectDatagram.decode(self.vi(0x0D) + self.vi(1) + self.vi(1) + self.vi(0) + [9]) }),
            ("status datagram end-of-track with properties", pv, {
                _ = try Draft18.ObjectDatagram.decode(self.vi(0x2D) + self.vi(1) + self.vi(1) + self.lp(self.vi(2) + self.vi(1)) + self.vi(4))
            }),
            ("truncated datagram", pv, { _ = try Draft18.ObjectDatagram.decode(self.vi(0x00) + self.vi(1)) }),
            ("status datagram with trailing bytes", pv, { _ = try Draft18.ObjectDatagram.decode(self.vi(0x2C) + self.vi(1) + self.vi(1) + self.vi(0) + [7]) }),
        ]
    }

    func testMalformedInputsAreRejectedWithTheRightCode() {
        let all = cases
        XCTAssertGreaterThanOrEqual(all.count, 30)
        for (name, code, body) in all {
            XCTAssertThrowsError(try body(), name) { error in
                guard let e = error as? MoQTError else { return XCTFail("\(name): \(error) is not a MoQTError") }
                XCTAssertEqual(e.code, code, "\(name): \(e)")
            }
        }
    }

    /// A SUBSCRIBE_OK captured from moq-dev (draft-18) carries GROUP_ORDER, which §10.2.8 does not
    /// list for SUBSCRIBE_OK: accepted by default, rejected with strict scope.
    func testOutOfScopeParameterFromDeployedPeer() throws {
        let bytes: [UInt8] = [0x04, 0x00, 0x07, 0x00, 0x01, 0x22, 0x02, 0x08, 0x83, 0xe8]
        var r = ByteReader(bytes)
        guard case .subscribeOK(let ok) = try Draft18.ControlMessage.decode(from: &r) else { return XCTFail() }
        XCTAssertEqual(ok.trackAlias, 0)
        XCTAssertEqual(ok.parameters.groupOrder, .descending)
        XCTAssertEqual(ok.trackProperties, [KeyValuePair(type: 8, integer: 1000)])
        var s = ByteReader(bytes)
        XCTAssertThrowsError(try Draft18.ControlMessage.decode(from: &s, options: .strict)) {
            XCTAssertEqual(($0 as? MoQTError)?.code, .protocolViolation)
        }
    }

    /// Repeated AUTHORIZATION_TOKEN parameters are allowed.
    func testRepeatedAuthorizationTokensAreAccepted() throws {
        let token = lp(vi(3) + vi(1) + [0xab])
        var r = ByteReader(subscribe(params: vi(2) + vi(0x03) + token + vi(0) + token))
        guard case .subscribe(let s) = try Draft18.ControlMessage.decode(from: &r) else { return XCTFail() }
        XCTAssertEqual(s.parameters.authorizationTokens, [.useValue(type: 1, value: [0xab]), .useValue(type: 1, value: [0xab])])
    }

    /// Unknown setup options are ignored (kept), even repeated.
    func testUnknownSetupOptionsAreKept() throws {
        var r = ByteReader(frame(0x2F00, vi(0x40) + vi(1) + vi(0) + vi(2) + vi(1) + lp([1])))
        guard case .setup(let s) = try Draft18.ControlMessage.decode(from: &r) else { return XCTFail() }
        XCTAssertEqual(s.options.unknown, [KeyValuePair(type: 0x40, integer: 1), KeyValuePair(type: 0x40, integer: 2), KeyValuePair(type: 0x41, bytes: [1])])
    }
}
