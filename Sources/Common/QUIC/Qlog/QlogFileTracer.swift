import Foundation

/// Writes one connection's events as a qlog 0.3 JSON-SEQ file (RFC 7464: each record is 0x1E,
/// a JSON text, and a line feed), with the event names of draft-ietf-quic-qlog-quic-events:
/// `connectivity:connection_started`, `transport:packet_sent`, `transport:packet_received`,
/// `transport:packet_dropped`, `recovery:packet_lost`, `recovery:metrics_updated` and
/// `connectivity:connection_state_updated`. Times are milliseconds since the connection started.
/// The file is `<directory>/<original DCID hex>_<client|server>.sqlog`.
package final class QlogFileTracer: ConnectionTracer {
    /// Where the records go.
    package let path: String
    private let file: UnsafeMutablePointer<FILE>
    private let start: QUICTime
    private var lastNow: QUICTime
    private var lastMetrics: [String: UInt64] = [:]

    /// Opens the file and writes the header and `connection_started`; nil when the file cannot be created.
    package init?(directory: String, connection: Connection, now: QUICTime) {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let role = connection.role == .client ? "client" : "server"
        let odcid = Self.hex(connection.originalDestinationConnectionID.bytes)
        path = "\(directory)/\(odcid)_\(role).sqlog"
        guard let f = fopen(path, "w") else { return nil }
        file = f
        start = now
        lastNow = now
        let referenceMs = Date().timeIntervalSince1970 * 1000
        write("{\"qlog_version\":\"0.3\",\"qlog_format\":\"JSON-SEQ\",\"title\":\"moq-fastrelay QUIC\","
              + "\"trace\":{\"vantage_point\":{\"name\":\"moq-fastrelay\",\"type\":\"\(role)\"},"
              + "\"common_fields\":{\"ODCID\":\"\(odcid)\",\"time_format\":\"relative\",\"reference_time\":\(Int64(referenceMs))}}}")
        let peer = connection.peerAddress
        let peerIP = peer.description.split(separator: ":").dropLast().joined(separator: ":").trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        event("connectivity:connection_started", now: now,
              "{\"ip_version\":\"\(peer.isIPv6 ? "ipv6" : "ipv4")\",\"dst_ip\":\"\(peerIP)\",\"dst_port\":\(peer.port),"
              + "\"src_cid\":\"\(Self.hex(connection.localConnectionID.bytes))\",\"dst_cid\":\"\(Self.hex(connection.peerConnectionID.bytes))\"}")
    }

    deinit { fclose(file) }

    // MARK: ConnectionTracer

    package func packetSent(_ packet: SentPacket, now: QUICTime) {
        let frames = packet.frames.map(Self.json).joined(separator: ",")
        event("transport:packet_sent", now: now,
              "{\"header\":{\"packet_type\":\"\(Self.packetType(packet.space))\",\"packet_number\":\(packet.packetNumber)},"
              + "\"raw\":{\"length\":\(packet.sentBytes)},\"frames\":[\(frames)]}")
    }

    package func packetReceived(space: PacketNumberSpace, packetNumber: UInt64, size: Int, frames: [Frame], now: QUICTime) {
        let list = frames.map(Self.json).joined(separator: ",")
        event("transport:packet_received", now: now,
              "{\"header\":{\"packet_type\":\"\(Self.packetType(space))\",\"packet_number\":\(packetNumber)},"
              + "\"raw\":{\"length\":\(size)},\"frames\":[\(list)]}")
    }

    package func packetDropped(size: Int, now: QUICTime) {
        event("transport:packet_dropped", now: now, "{\"raw\":{\"length\":\(size)}}")
    }

    package func packetsLost(_ packets: [SentPacket], now: QUICTime) {
        for p in packets {
            event("recovery:packet_lost", now: now,
                  "{\"header\":{\"packet_type\":\"\(Self.packetType(p.space))\",\"packet_number\":\(p.packetNumber)}}")
        }
    }

    package func metricsUpdated(_ recovery: LossRecovery, now: QUICTime) {
        let current: [(String, UInt64)] = [
            ("min_rtt", recovery.rtt.minRtt.nanoseconds), ("smoothed_rtt", recovery.rtt.smoothedRtt.nanoseconds),
            ("latest_rtt", recovery.rtt.latestRtt.nanoseconds), ("rtt_variance", recovery.rtt.rttvar.nanoseconds),
            ("congestion_window", UInt64(recovery.congestion.congestionWindow)), ("bytes_in_flight", UInt64(max(0, recovery.bytesInFlight))),
            ("pto_count", UInt64(recovery.ptoCount)),
        ]
        var fields: [String] = []
        for (name, value) in current where lastMetrics[name] != value {
            lastMetrics[name] = value
            let rendered = name.hasSuffix("rtt") || name == "rtt_variance" ? Self.milliseconds(value) : String(value)
            fields.append("\"\(name)\":\(rendered)")
        }
        guard !fields.isEmpty else { return }
        event("recovery:metrics_updated", now: now, "{" + fields.joined(separator: ",") + "}")
    }

    package func connectionEvent(_ event: ConnectionEvent) {
        switch event {
        case .handshakeCompleted:
            self.event("connectivity:connection_state_updated", now: lastNow, "{\"new\":\"handshake_complete\"}")
        case .connectionClosed(let reason):
            self.event("connectivity:connection_state_updated", now: lastNow,
                       "{\"new\":\"closed\",\"trigger\":\(Self.quoted(reason.description))}")
            fflush(file)
        default:
            break
        }
    }

    // MARK: Encoding

    private func event(_ name: String, now: QUICTime, _ data: String) {
        if now > lastNow { lastNow = now }
        let ms = Self.milliseconds(now > start ? now.nanoseconds - start.nanoseconds : 0)
        write("{\"time\":\(ms),\"name\":\"\(name)\",\"data\":\(data)}")
    }

    private func write(_ json: String) {
        var record = "\u{1e}"
        record += json
        record += "\n"
        fputs(record, file)
        fflush(file)
    }

    private static func milliseconds(_ nanoseconds: UInt64) -> String {
        let whole = nanoseconds / 1_000_000
        let fraction = (nanoseconds % 1_000_000) / 1000
        return "\(whole)." + String(repeating: "0", count: 3 - String(fraction).count) + String(fraction)
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var s = ""
        s.reserveCapacity(bytes.count * 2)
        for b in bytes { s.append(digits[Int(b >> 4)]); s.append(digits[Int(b & 0xf)]) }
        return s
    }

    private static func quoted(_ text: String) -> String {
        var s = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": s += "\\\""
            case "\\": s += "\\\\"
            case _ where scalar.value < 0x20: s += String(format: "\\u%04x", scalar.value)
            default: s.unicodeScalars.append(scalar)
            }
        }
        return s + "\""
    }

    private static func packetType(_ space: PacketNumberSpace) -> String {
        switch space {
        case .initial: return "initial"
        case .handshake: return "handshake"
        case .application: return "1RTT"
        }
    }

    private static func json(_ frame: SentFrame) -> String {
        switch frame {
        case .stream(let id, let offset, let length, let fin):
            return "{\"frame_type\":\"stream\",\"stream_id\":\(id),\"offset\":\(offset),\"length\":\(length),\"fin\":\(fin)}"
        case .crypto(_, let offset, let length):
            return "{\"frame_type\":\"crypto\",\"offset\":\(offset),\"length\":\(length)}"
        case .ack(let largest):
            return "{\"frame_type\":\"ack\",\"acked_ranges\":[[0,\(largest)]]}"
        case .resetStream(let id): return "{\"frame_type\":\"reset_stream\",\"stream_id\":\(id)}"
        case .stopSending(let id): return "{\"frame_type\":\"stop_sending\",\"stream_id\":\(id)}"
        case .maxData: return "{\"frame_type\":\"max_data\"}"
        case .maxStreamData(let id): return "{\"frame_type\":\"max_stream_data\",\"stream_id\":\(id)}"
        case .maxStreams(let bidi): return "{\"frame_type\":\"max_streams\",\"stream_type\":\"\(bidi ? "bidirectional" : "unidirectional")\"}"
        case .dataBlocked: return "{\"frame_type\":\"data_blocked\"}"
        case .streamDataBlocked(let id): return "{\"frame_type\":\"stream_data_blocked\",\"stream_id\":\(id)}"
        case .streamsBlocked(let bidi): return "{\"frame_type\":\"streams_blocked\",\"stream_type\":\"\(bidi ? "bidirectional" : "unidirectional")\"}"
        case .newConnectionID(let seq): return "{\"frame_type\":\"new_connection_id\",\"sequence_number\":\(seq)}"
        case .retireConnectionID(let seq): return "{\"frame_type\":\"retire_connection_id\",\"sequence_number\":\(seq)}"
        case .handshakeDone: return "{\"frame_type\":\"handshake_done\"}"
        case .ackFrequency(let seq): return "{\"frame_type\":\"ack_frequency\",\"sequence_number\":\(seq)}"
        case .immediateAck: return "{\"frame_type\":\"immediate_ack\"}"
        case .newToken: return "{\"frame_type\":\"new_token\"}"
        case .ping: return "{\"frame_type\":\"ping\"}"
        case .pathChallenge: return "{\"frame_type\":\"path_challenge\"}"
        case .pathResponse: return "{\"frame_type\":\"path_response\"}"
        case .datagram: return "{\"frame_type\":\"datagram\"}"
        case .connectionClose: return "{\"frame_type\":\"connection_close\"}"
        case .padding: return "{\"frame_type\":\"padding\"}"
        @unknown default: return "{\"frame_type\":\"unknown\"}"
        }
    }

    private static func json(_ frame: Frame) -> String {
        switch frame {
        case .padding(let count): return "{\"frame_type\":\"padding\",\"length\":\(count)}"
        case .ping: return "{\"frame_type\":\"ping\"}"
        case .ack(let ack):
            let ranges = ack.ranges.map { "[\($0.lowerBound),\($0.upperBound)]" }.joined(separator: ",")
            return "{\"frame_type\":\"ack\",\"ack_delay\":\(ack.ackDelay),\"acked_ranges\":[\(ranges)]}"
        case .resetStream(let id, let code, let size):
            return "{\"frame_type\":\"reset_stream\",\"stream_id\":\(id),\"error_code\":\(code),\"final_size\":\(size)}"
        case .stopSending(let id, let code): return "{\"frame_type\":\"stop_sending\",\"stream_id\":\(id),\"error_code\":\(code)}"
        case .crypto(let offset, let data): return "{\"frame_type\":\"crypto\",\"offset\":\(offset),\"length\":\(data.count)}"
        case .newToken(let token): return "{\"frame_type\":\"new_token\",\"length\":\(token.count)}"
        case .stream(let s):
            return "{\"frame_type\":\"stream\",\"stream_id\":\(s.streamID),\"offset\":\(s.offset),\"length\":\(s.data.count),\"fin\":\(s.fin)}"
        case .maxData(let m): return "{\"frame_type\":\"max_data\",\"maximum\":\(m)}"
        case .maxStreamData(let id, let m): return "{\"frame_type\":\"max_stream_data\",\"stream_id\":\(id),\"maximum\":\(m)}"
        case .maxStreams(let bidi, let m):
            return "{\"frame_type\":\"max_streams\",\"stream_type\":\"\(bidi ? "bidirectional" : "unidirectional")\",\"maximum\":\(m)}"
        case .dataBlocked(let limit): return "{\"frame_type\":\"data_blocked\",\"limit\":\(limit)}"
        case .streamDataBlocked(let id, let limit): return "{\"frame_type\":\"stream_data_blocked\",\"stream_id\":\(id),\"limit\":\(limit)}"
        case .streamsBlocked(let bidi, let limit):
            return "{\"frame_type\":\"streams_blocked\",\"stream_type\":\"\(bidi ? "bidirectional" : "unidirectional")\",\"limit\":\(limit)}"
        case .newConnectionID(let f): return "{\"frame_type\":\"new_connection_id\",\"sequence_number\":\(f.sequenceNumber)}"
        case .retireConnectionID(let seq): return "{\"frame_type\":\"retire_connection_id\",\"sequence_number\":\(seq)}"
        case .pathChallenge: return "{\"frame_type\":\"path_challenge\"}"
        case .pathResponse: return "{\"frame_type\":\"path_response\"}"
        case .connectionClose(let c):
            return "{\"frame_type\":\"connection_close\",\"error_space\":\"\(c.isApplication ? "application" : "transport")\",\"error_code\":\(c.errorCode)}"
        case .handshakeDone: return "{\"frame_type\":\"handshake_done\"}"
        case .ackFrequency(let f):
            return "{\"frame_type\":\"ack_frequency\",\"sequence_number\":\(f.sequenceNumber),\"ack_eliciting_threshold\":\(f.ackElicitingThreshold),\"request_max_ack_delay\":\(f.requestedMaxAckDelay),\"reordering_threshold\":\(f.reorderingThreshold)}"
        case .immediateAck: return "{\"frame_type\":\"immediate_ack\"}"
        case .datagram(let data, _): return "{\"frame_type\":\"datagram\",\"length\":\(data.count)}"
        @unknown default: return "{\"frame_type\":\"unknown\"}"
        }
    }
}
