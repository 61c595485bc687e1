import CFastPathABI

/// One ring-buffer record (`fp_record`): a packet the kernel sent, a copy it dropped, or a stream it
/// handed to user space.
public struct FastPathRecord: Sendable, Equatable {
    /// What the record reports.
    public enum Kind: UInt32, Sendable {
        /// A packet was sent: register it in the connection's sent-packet history.
        case sent = 1
        /// A copy was dropped: reset the subscriber stream (when `streamOpen`) with `finalSize`.
        case dropped = 2
        /// User space forwards the rest of the subscriber stream from `finalSize` (the next offset).
        case handoff = 3
    }

    /// What the record reports (nil for an unknown kind).
    public let kind: Kind?
    /// The raw record.
    public let raw: fp_record

    /// Wraps a raw record.
    public init(_ raw: fp_record) {
        self.raw = raw
        kind = Kind(rawValue: raw.kind)
    }

    /// Index of the subscriber in `fp_subscribers`.
    public var subscriberID: UInt32 { raw.subscriber_id }
    /// User space's connection number (`fp_subscriber.connection_id`).
    public var connectionID: UInt32 { raw.connection_id }
    /// Index of the upstream connection.
    public var upstreamID: UInt32 { raw.upstream_id }
    /// Full packet number on the subscriber connection (SENT).
    public var packetNumber: UInt64 { raw.packet_number }
    /// CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns).
    public var sendTimeNanoseconds: UInt64 { raw.send_time_ns }
    /// The subscriber's stream ID (valid when `streamOpen`).
    public var streamID: UInt64 { raw.stream_id }
    /// The upstream stream the data came from.
    public var upstreamStreamID: UInt64 { raw.upstream_stream_id }
    /// STREAM frame offset.
    public var offset: UInt64 { raw.offset }
    /// STREAM frame data length.
    public var length: UInt32 { raw.length }
    /// QUIC packet bytes, what congestion control counts.
    public var packetSize: UInt32 { raw.packet_size }
    /// RESET_STREAM final size (dropped) or next offset (handoff).
    public var finalSize: UInt64 { raw.final_size }
    /// User space's track number (`fp_track.track_id`).
    public var trackID: UInt32 { raw.track_id }
    /// Publisher priority of the stream (0 = most important).
    public var priority: UInt8 { raw.priority }
    /// `enum fp_record_reason`.
    public var reason: UInt8 { raw.reason }
    /// The STREAM frame carried FIN.
    public var fin: Bool { raw.flags & UInt16(FP_RECF_FIN.rawValue) != 0 }
    /// First packet of the subscriber stream.
    public var newStream: Bool { raw.flags & UInt16(FP_RECF_NEW_STREAM.rawValue) != 0 }
    /// `streamID` holds the subscriber stream ID assigned to this upstream stream.
    public var streamOpen: Bool { raw.flags & UInt16(FP_RECF_STREAM_OPEN.rawValue) != 0 }
    /// The packet number was used but the copy never left: treat the packet as lost.
    public var cloneFailed: Bool { raw.flags & UInt16(FP_RECF_CLONE_FAILED.rawValue) != 0 }
    /// The subgroup header's track alias was rewritten for this subscriber.
    public var aliasRewritten: Bool { raw.flags & UInt16(FP_RECF_ALIAS_REWRITTEN.rawValue) != 0 }

    /// Records are equal when their raw bytes are.
    public static func == (lhs: FastPathRecord, rhs: FastPathRecord) -> Bool {
        var a = lhs.raw
        var b = rhs.raw
        return withUnsafeBytes(of: &a) { x in withUnsafeBytes(of: &b) { y in x.elementsEqual(y) } }
    }
}
