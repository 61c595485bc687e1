import Wire

/// The SETTINGS of an HTTP/3 endpoint (RFC 9114 §7.2.4), with the identifiers WebTransport needs.
public struct HTTP3Settings: Equatable, Sendable {
    public static let qpackMaxTableCapacity: UInt64 = 0x01
    public static let maxFieldSectionSize: UInt64 = 0x06
    public static let qpackBlockedStreams: UInt64 = 0x07
    /// RFC 9220: extended CONNECT allowed.
    public static let enableConnectProtocol: UInt64 = 0x08
    /// RFC 9297: HTTP datagrams.
    public static let h3Datagram: UInt64 = 0x33
    /// WebTransport draft-02 (what Chromium speaks by default): WebTransport enabled.
    public static let enableWebTransportDraft02: UInt64 = 0x2b60_3742
    /// WebTransport draft-07 to -12: the number of sessions.
    public static let webTransportMaxSessionsDraft07: UInt64 = 0xc671_706a

    /// Identifier and value, in the order sent or received.
    public var values: [(id: UInt64, value: UInt64)]

    public init(_ values: [(id: UInt64, value: UInt64)] = []) { self.values = values }

    public static func == (a: HTTP3Settings, b: HTTP3Settings) -> Bool {
        a.values.map(\.id) == b.values.map(\.id) && a.values.map(\.value) == b.values.map(\.value)
    }

    /// The value of `id`, if sent.
    public subscript(id: UInt64) -> UInt64? { values.first { $0.id == id }?.value }

    /// What a WebTransport server sends: extended CONNECT, HTTP datagrams, WebTransport (draft-02
    /// and draft-07 style), no QPACK dynamic table (capacity 0 is the default, so it is omitted).
    public static func webTransportServer(maxSessions: UInt64 = 1) -> HTTP3Settings {
        HTTP3Settings([
            (enableConnectProtocol, 1), (h3Datagram, 1),
            (enableWebTransportDraft02, 1), (webTransportMaxSessionsDraft07, maxSessions),
        ])
    }

    /// The SETTINGS frame payload.
    public func encodePayload() -> [UInt8] {
        var w = ByteWriter()
        for (id, value) in values {
            w.writeVarint(id)
            w.writeVarint(value)
        }
        return w.bytes
    }

    /// Parses a SETTINGS payload. A truncated pair is H3_FRAME_ERROR; a repeated identifier, an
    /// HTTP/2 identifier (0x02-0x05) or a boolean setting other than 0 or 1 is H3_SETTINGS_ERROR
    /// (RFC 9114 §7.2.4.1, RFC 9220 §3, RFC 9297 §2.1.1). Unknown identifiers (GREASE) are kept.
    public static func decode(payload: [UInt8]) throws(HTTP3Error) -> HTTP3Settings {
        var reader = ByteReader(payload)
        var values: [(id: UInt64, value: UInt64)] = []
        var seen = Set<UInt64>()
        while !reader.isAtEnd {
            let id: UInt64, value: UInt64
            do {
                id = try reader.readVarint()
                value = try reader.readVarint()
            } catch {
                throw HTTP3Error(.frameError, "truncated SETTINGS")
            }
            guard seen.insert(id).inserted else { throw HTTP3Error(.settingsError, "setting 0x\(String(id, radix: 16)) repeated") }
            if (0x02...0x05).contains(id) { throw HTTP3Error(.settingsError, "HTTP/2 setting 0x\(String(id, radix: 16))") }
            if [enableConnectProtocol, h3Datagram, enableWebTransportDraft02].contains(id), value > 1 {
                throw HTTP3Error(.settingsError, "setting 0x\(String(id, radix: 16)) = \(value), not 0 or 1")
            }
            values.append((id, value))
        }
        return HTTP3Settings(values)
    }
}
