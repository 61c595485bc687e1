import Wire
import XCTest
@testable import QUIC

final class TransportParametersTests: XCTestCase {
    func testEveryParameterRoundTrips() throws {
        var p = TransportParameters()
        p.originalDestinationConnectionID = QUICConnectionID([1, 2, 3, 4])
        p.maxIdleTimeout = 30_000
        p.statelessResetToken = Array(0..<16)
        p.maxUDPPayloadSize = 1452
        p.initialMaxData = 1 << 20
        p.initialMaxStreamDataBidiLocal = 1000
        p.initialMaxStreamDataBidiRemote = 2000
        p.initialMaxStreamDataUni = 3000
        p.initialMaxStreamsBidi = 10
        p.initialMaxStreamsUni = 20
        p.ackDelayExponent = 5
        p.maxAckDelay = 40
        p.disableActiveMigration = true
        p.preferredAddress = .init(ipv4Address: [127, 0, 0, 1], ipv4Port: 443, ipv6Address: Array(repeating: 0, count: 16), ipv6Port: 443,
                                   connectionID: QUICConnectionID([7, 7])!, statelessResetToken: Array(repeating: 1, count: 16))
        p.activeConnectionIDLimit = 4
        p.initialSourceConnectionID = QUICConnectionID([5, 6])
        p.retrySourceConnectionID = QUICConnectionID([9])
        p.maxDatagramFrameSize = 1200
        p.unknown[0x1f * 7 + 27] = [1, 2]  // a GREASE-style ID
        XCTAssertEqual(try TransportParameters.decode(p.encode(), sentBy: .server), p)
        XCTAssertEqual(try TransportParameters.decode([], sentBy: .client), TransportParameters())
    }

    func testValidationErrors() {
        func code(_ bytes: [UInt8], sender: ConnectionRole = .server) -> TransportErrorCode? {
            do { _ = try TransportParameters.decode(bytes, sentBy: sender); return nil } catch { return error.code }
        }
        XCTAssertEqual(code([0x03, 0x02, 0x44, 0xaf]), .transportParameterError, "max_udp_payload_size 1199")
        XCTAssertEqual(code([0x0a, 0x01, 21]), .transportParameterError, "ack_delay_exponent 21")
        XCTAssertEqual(code([0x0b, 0x02, 0x40 | 0x40, 0x00]), nil, "max_ack_delay 0x4000 - 2-byte form caps at 16383")
        XCTAssertEqual(code([0x0b, 0x04, 0x80, 0x00, 0x40, 0x00]), .transportParameterError, "max_ack_delay 2^14")
        XCTAssertEqual(code([0x0e, 0x01, 0x01]), .transportParameterError, "active_connection_id_limit 1")
        XCTAssertEqual(code([0x02, 0x03, 1, 2, 3]), .transportParameterError, "short stateless_reset_token")
        XCTAssertEqual(code([0x0c, 0x01, 0x00]), .transportParameterError, "disable_active_migration with a value")
        XCTAssertEqual(code([0x04, 0x01, 0x05, 0x04, 0x01, 0x06]), .transportParameterError, "duplicate")
        XCTAssertEqual(code([0x04, 0x05, 0x01]), .transportParameterError, "truncated")
        XCTAssertEqual(code([0x04, 0x02, 0x01, 0x02]), .transportParameterError, "trailing bytes in integer")
        XCTAssertEqual(code([0x00, 0x01, 0x01], sender: .client), .transportParameterError, "original_destination_connection_id from client")
        XCTAssertEqual(code([0x10, 0x01, 0x01], sender: .client), .transportParameterError, "retry_source_connection_id from client")
        XCTAssertEqual(code([0x08, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 1]), .transportParameterError, "initial_max_streams_bidi above 2^60")
        XCTAssertEqual(code([0x0d, 0x03, 1, 2, 3]), .transportParameterError, "truncated preferred_address")
    }
}
