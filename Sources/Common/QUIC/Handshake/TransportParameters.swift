import Wire

/// QUIC transport parameters (RFC 9000 §18), carried in TLS's quic_transport_parameters extension.
/// Defaults are the RFC's defaults for absent parameters.
public struct TransportParameters: Equatable, Sendable {
    /// Parameter IDs (RFC 9000 §18.2; max_datagram_frame_size from RFC 9221).
    public enum ID {
        public static let originalDestinationConnectionID: UInt64 = 0x00
        public static let maxIdleTimeout: UInt64 = 0x01
        public static let statelessResetToken: UInt64 = 0x02
        public static let maxUDPPayloadSize: UInt64 = 0x03
        public static let initialMaxData: UInt64 = 0x04
        public static let initialMaxStreamDataBidiLocal: UInt64 = 0x05
        public static let initialMaxStreamDataBidiRemote: UInt64 = 0x06
        public static let initialMaxStreamDataUni: UInt64 = 0x07
        public static let initialMaxStreamsBidi: UInt64 = 0x08
        public static let initialMaxStreamsUni: UInt64 = 0x09
        public static let ackDelayExponent: UInt64 = 0x0a
        public static let maxAckDelay: UInt64 = 0x0b
        public static let disableActiveMigration: UInt64 = 0x0c
        public static let preferredAddress: UInt64 = 0x0d
        public static let activeConnectionIDLimit: UInt64 = 0x0e
        public static let initialSourceConnectionID: UInt64 = 0x0f
        public static let retrySourceConnectionID: UInt64 = 0x10
        public static let maxDatagramFrameSize: UInt64 = 0x20
        /// This project's private parameter: the sender accepts cleartext 1-RTT packets (empty value).
        public static let cleartext1RTT: UInt64 = 0x3f5c_11e0
        /// min_ack_delay (draft-ietf-quic-ack-frequency §3), microseconds.
        public static let minAckDelay: UInt64 = 0xff04_de1b
    }

    /// The server's preferred address (RFC 9000 §18.2).
    public struct PreferredAddress: Equatable, Sendable {
        public var ipv4Address: [UInt8]
        public var ipv4Port: UInt16
        public var ipv6Address: [UInt8]
        public var ipv6Port: UInt16
        public var connectionID: QUICConnectionID
        public var statelessResetToken: [UInt8]
    }

    public var originalDestinationConnectionID: QUICConnectionID?
    /// Milliseconds; 0 = no idle timeout.
    public var maxIdleTimeout: UInt64 = 0
    public var statelessResetToken: [UInt8]?
    public var maxUDPPayloadSize: UInt64 = 65527
    public var initialMaxData: UInt64 = 0
    public var initialMaxStreamDataBidiLocal: UInt64 = 0
    public var initialMaxStreamDataBidiRemote: UInt64 = 0
    public var initialMaxStreamDataUni: UInt64 = 0
    public var initialMaxStreamsBidi: UInt64 = 0
    public var initialMaxStreamsUni: UInt64 = 0
    public var ackDelayExponent: UInt64 = 3
    /// Milliseconds.
    public var maxAckDelay: UInt64 = 25
    public var disableActiveMigration: Bool = false
    public var preferredAddress: PreferredAddress?
    public var activeConnectionIDLimit: UInt64 = 2
    public var initialSourceConnectionID: QUICConnectionID?
    public var retrySourceConnectionID: QUICConnectionID?
    /// RFC 9221; nil = DATAGRAM frames not supported.
    public var maxDatagramFrameSize: UInt64?
    /// cleartext_1rtt (private): the sender is willing to send and receive 1-RTT packets without
    /// packet protection. In force only when both ends send it.
    public var cleartext1RTT = false
    /// min_ack_delay in microseconds: the sender accepts ACK_FREQUENCY frames and can delay its
    /// acknowledgments by no less than this (draft-ietf-quic-ack-frequency §3). Nil: not offered.
    public var minAckDelay: UInt64?
    /// Parameters we do not know (including GREASE), by ID; kept so they round-trip.
    public var unknown: [UInt64: [UInt8]] = [:]

    /// All defaults.
    public init() {}

    // MARK: Encoding

    /// The encoded parameter list.
    public func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 128)
        func put(_ id: UInt64, _ value: [UInt8]) {
            w.writeVarint(id); w.writeVarint(UInt64(value.count)); w.writeBytes(value)
        }
        func putInt(_ id: UInt64, _ value: UInt64) { put(id, QUICVarint.encode(value)) }
        if let v = originalDestinationConnectionID { put(ID.originalDestinationConnectionID, v.bytes) }
        if maxIdleTimeout != 0 { putInt(ID.maxIdleTimeout, maxIdleTimeout) }
        if let v = statelessResetToken { put(ID.statelessResetToken, v) }
        if maxUDPPayloadSize != 65527 { putInt(ID.maxUDPPayloadSize, maxUDPPayloadSize) }
        if initialMaxData != 0 { putInt(ID.initialMaxData, initialMaxData) }
        if initialMaxStreamDataBidiLocal != 0 { putInt(ID.initialMaxStreamDataBidiLocal, initialMaxStreamDataBidiLocal) }
        if initialMaxStreamDataBidiRemote != 0 { putInt(ID.initialMaxStreamDataBidiRemote, initialMaxStreamDataBidiRemote) }
        if initialMaxStreamDataUni != 0 { putInt(ID.initialMaxStreamDataUni, initialMaxStreamDataUni) }
        if initialMaxStreamsBidi != 0 { putInt(ID.initialMaxStreamsBidi, initialMaxStreamsBidi) }
        if initialMaxStreamsUni != 0 { putInt(ID.initialMaxStreamsUni, initialMaxStreamsUni) }
        if ackDelayExponent != 3 { putInt(ID.ackDelayExponent, ackDelayExponent) }
        if maxAckDelay != 25 { putInt(ID.maxAckDelay, maxAckDelay) }
        if disableActiveMigration { put(ID.disableActiveMigration, []) }
        if let p = preferredAddress {
            var pw = ByteWriter()
            pw.writeBytes(p.ipv4Address); pw.writeUInt16(p.ipv4Port)
            pw.writeBytes(p.ipv6Address); pw.writeUInt16(p.ipv6Port)
            pw.writeUInt8(UInt8(p.connectionID.count)); pw.writeBytes(p.connectionID.bytes)
            pw.writeBytes(p.statelessResetToken)
            put(ID.preferredAddress, pw.bytes)
        }
        if activeConnectionIDLimit != 2 { putInt(ID.activeConnectionIDLimit, activeConnectionIDLimit) }
        if let v = initialSourceConnectionID { put(ID.initialSourceConnectionID, v.bytes) }
        if let v = retrySourceConnectionID { put(ID.retrySourceConnectionID, v.bytes) }
        if let v = maxDatagramFrameSize { putInt(ID.maxDatagramFrameSize, v) }
        if cleartext1RTT { put(ID.cleartext1RTT, []) }
        if let v = minAckDelay { putInt(ID.minAckDelay, v) }
        for (id, value) in unknown.sorted(by: { $0.key < $1.key }) { put(id, value) }
        return w.bytes
    }

    // MARK: Decoding

    /// Decodes and validates parameters sent by a peer in role `sender` (`.server` parameters
    /// may carry server-only fields). Every problem is TRANSPORT_PARAMETER_ERROR.
    public static func decode(_ bytes: [UInt8], sentBy sender: ConnectionRole) throws(QUICError) -> TransportParameters {
        func fail(_ why: String) -> QUICError { QUICError(.transportParameterError, why) }
        var p = TransportParameters()
        var seen = Set<UInt64>()
        var r = ByteReader(bytes)
        while !r.isAtEnd {
            let id: UInt64
            let value: [UInt8]
            do {
                id = try r.readVarint()
                let length = try r.readVarintLength()
                value = try r.readBytes(length)
            } catch { throw fail("truncated transport parameter") }
            guard seen.insert(id).inserted else { throw fail("duplicate transport parameter 0x\(String(id, radix: 16))") }
            func int() throws(QUICError) -> UInt64 {
                var vr = ByteReader(value)
                guard let v = try? vr.readVarint(), vr.isAtEnd else { throw fail("bad integer in parameter 0x\(String(id, radix: 16))") }
                return v
            }
            func cid() throws(QUICError) -> QUICConnectionID {
                guard let c = QUICConnectionID(value) else { throw fail("connection ID too long") }
                return c
            }
            func serverOnly() throws(QUICError) {
                if sender == .client { throw fail("server-only parameter 0x\(String(id, radix: 16)) sent by client") }
            }
            switch id {
            case ID.originalDestinationConnectionID: try serverOnly(); p.originalDestinationConnectionID = try cid()
            case ID.maxIdleTimeout: p.maxIdleTimeout = try int()
            case ID.statelessResetToken:
                try serverOnly()
                guard value.count == 16 else { throw fail("stateless_reset_token must be 16 bytes") }
                p.statelessResetToken = value
            case ID.maxUDPPayloadSize:
                p.maxUDPPayloadSize = try int()
                guard p.maxUDPPayloadSize >= 1200 else { throw fail("max_udp_payload_size below 1200") }
            case ID.initialMaxData: p.initialMaxData = try int()
            case ID.initialMaxStreamDataBidiLocal: p.initialMaxStreamDataBidiLocal = try int()
            case ID.initialMaxStreamDataBidiRemote: p.initialMaxStreamDataBidiRemote = try int()
            case ID.initialMaxStreamDataUni: p.initialMaxStreamDataUni = try int()
            case ID.initialMaxStreamsBidi:
                p.initialMaxStreamsBidi = try int()
                guard p.initialMaxStreamsBidi <= 1 << 60 else { throw fail("initial_max_streams_bidi above 2^60") }
            case ID.initialMaxStreamsUni:
                p.initialMaxStreamsUni = try int()
                guard p.initialMaxStreamsUni <= 1 << 60 else { throw fail("initial_max_streams_uni above 2^60") }
            case ID.ackDelayExponent:
                p.ackDelayExponent = try int()
                guard p.ackDelayExponent <= 20 else { throw fail("ack_delay_exponent above 20") }
            case ID.maxAckDelay:
                p.maxAckDelay = try int()
                guard p.maxAckDelay < 1 << 14 else { throw fail("max_ack_delay 2^14 or more") }
            case ID.disableActiveMigration:
                guard value.isEmpty else { throw fail("disable_active_migration must be empty") }
                p.disableActiveMigration = true
            case ID.preferredAddress:
                try serverOnly()
                var pr = ByteReader(value)
                do {
                    let v4 = try pr.readBytes(4), p4 = try pr.readUInt16()
                    let v6 = try pr.readBytes(16), p6 = try pr.readUInt16()
                    let length = Int(try pr.readUInt8())
                    guard (1...20).contains(length) else { throw fail("preferred_address connection ID length \(length)") }
                    let c = QUICConnectionID(unchecked: try pr.readBytes(length))
                    let token = try pr.readBytes(16)
                    guard pr.isAtEnd else { throw fail("trailing bytes in preferred_address") }
                    p.preferredAddress = PreferredAddress(ipv4Address: v4, ipv4Port: p4, ipv6Address: v6, ipv6Port: p6, connectionID: c, statelessResetToken: token)
                } catch let e as QUICError { throw e } catch { throw fail("truncated preferred_address") }
            case ID.activeConnectionIDLimit:
                p.activeConnectionIDLimit = try int()
                guard p.activeConnectionIDLimit >= 2 else { throw fail("active_connection_id_limit below 2") }
            case ID.initialSourceConnectionID: p.initialSourceConnectionID = try cid()
            case ID.retrySourceConnectionID: try serverOnly(); p.retrySourceConnectionID = try cid()
            case ID.maxDatagramFrameSize: p.maxDatagramFrameSize = try int()
            case ID.cleartext1RTT:
                guard value.isEmpty else { throw fail("cleartext_1rtt must be empty") }
                p.cleartext1RTT = true
            case ID.minAckDelay:
                let v = try int()
                guard v < 1 << 24 else { throw fail("min_ack_delay 2^24 microseconds or more") }
                p.minAckDelay = v
            default: p.unknown[id] = value
            }
        }
        // A min_ack_delay above max_ack_delay is a TRANSPORT_PARAMETER_ERROR (draft-ietf-quic-ack-frequency §3).
        if let v = p.minAckDelay, v > p.maxAckDelay * 1000 { throw fail("min_ack_delay above max_ack_delay") }
        return p
    }
}
