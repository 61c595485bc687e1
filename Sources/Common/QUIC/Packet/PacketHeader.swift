import Wire

/// The header of one packet within a datagram, parsed up to (not including) the protected
/// packet number. Header protection hides the low bits of `firstByte` and the packet number;
/// everything here is readable without keys.
public struct PacketHeader: Sendable, Equatable {
    /// The packet type.
    public var type: PacketType
    /// The first byte as received (still protected).
    public var firstByte: UInt8
    /// The version (long headers; 1 for short headers).
    public var version: UInt32
    /// Destination connection ID.
    public var destinationConnectionID: QUICConnectionID
    /// Source connection ID (long headers only).
    public var sourceConnectionID: QUICConnectionID
    /// The Initial token or the Retry token.
    public var token: [UInt8]
    /// Versions listed by a Version Negotiation packet.
    public var supportedVersions: [UInt32]
    /// The Retry Integrity Tag (Retry only).
    public var retryIntegrityTag: [UInt8]
    /// Offset of the packet's first byte in the datagram.
    public var packetStart: Int
    /// Offset of the packet number field in the datagram.
    public var packetNumberOffset: Int
    /// One past the packet's last byte in the datagram (end of the Length for long headers).
    public var packetEnd: Int

    /// True for long headers.
    public var isLongHeader: Bool { firstByte & 0x80 != 0 }

    /// Parses the packet starting at `offset` of `datagram`.
    /// - Parameter shortHeaderConnectionIDLength: the length of our connection IDs (short headers carry no length).
    /// - Throws: `DecodeError` when the bytes do not form a packet; the caller drops the rest of the datagram.
    public static func parse(datagram: [UInt8], at offset: Int, shortHeaderConnectionIDLength: Int) throws(DecodeError) -> PacketHeader {
        var r = ByteReader(datagram, range: offset..<datagram.count)
        let first = try r.readUInt8()
        if first & 0x80 == 0 {
            guard first & 0x40 != 0 else { throw .malformed("fixed bit is zero") }
            let dcid = try r.readBytes(shortHeaderConnectionIDLength)
            return PacketHeader(type: .oneRTT, firstByte: first, version: QUICVersion.v1, destinationConnectionID: QUICConnectionID(unchecked: dcid),
                                sourceConnectionID: .empty, token: [], supportedVersions: [], retryIntegrityTag: [],
                                packetStart: offset, packetNumberOffset: r.offset, packetEnd: datagram.count)
        }
        let version = try r.readUInt32()
        let dcidLength = Int(try r.readUInt8())
        // Version-independent invariants allow up to 255 bytes; v1 limits to 20.
        let dcid = try r.readBytes(dcidLength)
        let scidLength = Int(try r.readUInt8())
        let scid = try r.readBytes(scidLength)
        if version == 0 {
            var versions: [UInt32] = []
            while r.remaining >= 4 { versions.append(try r.readUInt32()) }
            guard !versions.isEmpty, r.isAtEnd else { throw .malformed("bad version negotiation packet") }
            return PacketHeader(type: .versionNegotiation, firstByte: first, version: 0, destinationConnectionID: QUICConnectionID(unchecked: dcid),
                                sourceConnectionID: QUICConnectionID(unchecked: scid), token: [], supportedVersions: versions,
                                retryIntegrityTag: [], packetStart: offset, packetNumberOffset: r.offset, packetEnd: datagram.count)
        }
        guard version == QUICVersion.v1 else {
            // Unknown version: the caller may answer with Version Negotiation; nothing else is parseable.
            return PacketHeader(type: .initial, firstByte: first, version: version, destinationConnectionID: QUICConnectionID(unchecked: Array(dcid.prefix(255))),
                                sourceConnectionID: QUICConnectionID(unchecked: scid), token: [], supportedVersions: [], retryIntegrityTag: [],
                                packetStart: offset, packetNumberOffset: r.offset, packetEnd: datagram.count)
        }
        guard dcidLength <= 20, scidLength <= 20 else { throw .malformed("connection ID longer than 20 bytes") }
        guard first & 0x40 != 0 else { throw .malformed("fixed bit is zero") }
        let type: PacketType
        switch (first >> 4) & 0x03 {
        case 0: type = .initial
        case 1: type = .zeroRTT
        case 2: type = .handshake
        default: type = .retry
        }
        var token: [UInt8] = []
        if type == .retry {
            guard r.remaining >= 16 else { throw .malformed("Retry packet too short") }
            token = try r.readBytes(r.remaining - 16)
            let tag = try r.readBytes(16)
            return PacketHeader(type: .retry, firstByte: first, version: version, destinationConnectionID: QUICConnectionID(unchecked: dcid),
                                sourceConnectionID: QUICConnectionID(unchecked: scid), token: token, supportedVersions: [],
                                retryIntegrityTag: tag, packetStart: offset, packetNumberOffset: r.offset, packetEnd: r.offset)
        }
        if type == .initial {
            let tokenLength = try r.readVarintLength()
            token = try r.readBytes(tokenLength)
        }
        let length = try r.readVarintLength()
        guard length <= r.remaining else { throw .malformed("packet Length beyond datagram") }
        let pnOffset = r.offset
        return PacketHeader(type: type, firstByte: first, version: version, destinationConnectionID: QUICConnectionID(unchecked: dcid),
                            sourceConnectionID: QUICConnectionID(unchecked: scid), token: token, supportedVersions: [],
                            retryIntegrityTag: [], packetStart: offset, packetNumberOffset: pnOffset, packetEnd: pnOffset + length)
    }

    /// Reads only the destination connection ID of the first packet (for routing).
    public static func destinationConnectionID(of datagram: [UInt8], shortHeaderConnectionIDLength: Int) -> QUICConnectionID? {
        guard let first = datagram.first else { return nil }
        if first & 0x80 == 0 {
            guard datagram.count >= 1 + shortHeaderConnectionIDLength else { return nil }
            return QUICConnectionID(unchecked: Array(datagram[1..<1 + shortHeaderConnectionIDLength]))
        }
        guard datagram.count >= 6 else { return nil }
        let length = Int(datagram[5])
        guard length <= 20, datagram.count >= 6 + length else { return nil }
        return QUICConnectionID(unchecked: Array(datagram[6..<6 + length]))
    }
}
