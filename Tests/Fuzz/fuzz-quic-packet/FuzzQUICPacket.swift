import FuzzSupport
import QUIC
import Wire

/// libFuzzer harness for the QUIC packet layer: `PacketHeader.parse` over coalesced packets,
/// `PacketHeader.destinationConnectionID(of:)`, Version Negotiation and Retry re-encoding,
/// `PacketNumberCoding`, and the whole receive path of a server connection
/// (`Connection.handle(datagram:)`: header parsing, Initial keys, header protection removal,
/// packet number recovery, AEAD opening, frame decoding and processing).
///
/// Input: bytes 0-16 drive the packet number checks; then segments `[length][control][bytes]`.
/// A segment whose control byte has bit 7 set is delivered as a raw datagram; otherwise its bytes
/// are the plaintext payload of a client Initial that the harness protects with the real Initial
/// keys (`seal` + `HeaderProtection.apply`), so fuzzed frames get past decryption. Such a
/// packet must be accepted (counted as received) while the connection is open.
enum FuzzQUICPacket {
    static let clientDCID: [UInt8] = [0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08]
    static let clientSCID: [UInt8] = [0xf0, 0x67, 0xa5, 0x50, 0x2a, 0x42, 0x62, 0xb5]
    static let clientKeys = InitialSecrets.protections(destinationConnectionID: clientDCID).client

    /// The Initial that creates the server connection: a CRYPTO frame and padding, packet number 0.
    static let firstInitial = protectedInitial(payload: [0x06, 0x00, 0x04, 1, 0, 0, 0] + [UInt8](repeating: 0, count: 40), packetNumber: 0)

    /// Connection ID length the server connection uses for short headers.
    static let localCIDLength = 8

    final class SilentTLS: QUICTLSSession {
        func start() throws(TLSError) {}
        func handle(handshakeData: [UInt8], at level: EncryptionLevel) throws(TLSError) {}
        func pollEvent() -> TLSEvent? { nil }
        var peerTransportParameters: [UInt8]? { nil }
        var negotiatedALPN: String? { nil }
        var isHandshakeComplete: Bool { false }
    }

    static func run(_ input: [UInt8]) {
        packetNumbers(Array(input.prefix(17)))
        headers(input)
        connection(Array(input.dropFirst(min(17, input.count))))
    }

    // MARK: Packet numbers

    /// RFC 9000 A.2/A.3: a packet number sent with the length `encodedLength` picks for the
    /// sender's largest acknowledged is recovered by any receiver whose largest received lies
    /// between that and the packet number.
    static func packetNumbers(_ b: [UInt8]) {
        guard b.count == 17 else { return }
        var r = ByteReader(b)
        let limit: UInt64 = 1 << 62
        guard let x = try? r.readUInt64(), let y = try? r.readUInt64(), let z = try? r.readUInt8() else { return }
        let pn = x % limit
        let acked: UInt64? = z & 0x80 != 0 || pn == 0 ? nil : pn - 1 - (y % min(pn, 1 << 30))
        let length = PacketNumberCoding.encodedLength(fullPacketNumber: pn, largestAcknowledged: acked)
        fuzzCheck((1...4).contains(length), "packet number length \(length)")
        let truncated = PacketNumberCoding.truncate(pn, length: length)
        fuzzCheck(truncated < 1 << (8 * UInt64(length)), "truncated packet number too wide")
        // The receiver has seen something between the sender's largest acknowledged and pn - 1.
        if let acked {
            let largest = acked + (pn - 1 - acked) * UInt64(z & 0x7f) / 127
            fuzzCheckEqual(PacketNumberCoding.decode(largest: largest, truncated: truncated, length: length), pn,
                           "recovered packet number (acked \(acked), largest \(largest), length \(length))")
        } else if pn < 1 << 31 {
            fuzzCheckEqual(PacketNumberCoding.decode(largest: nil, truncated: truncated, length: length), pn, "first packet number")
        }
        // Any field value with any largest below 2^62 must not trap.
        let anyLength = Int(z & 3) + 1
        _ = PacketNumberCoding.decode(largest: y % limit, truncated: x & ((1 << (8 * UInt64(anyLength))) - 1), length: anyLength)
    }

    // MARK: Headers

    /// Walks the coalesced packets of `datagram` as the receive path does.
    static func headers(_ datagram: [UInt8]) {
        if let dcid = PacketHeader.destinationConnectionID(of: datagram, shortHeaderConnectionIDLength: localCIDLength) {
            fuzzCheck(dcid.count <= 20, "routing DCID longer than 20 bytes")
        }
        var offset = 0
        while offset < datagram.count {
            let h: PacketHeader
            do { h = try PacketHeader.parse(datagram: datagram, at: offset, shortHeaderConnectionIDLength: localCIDLength) } catch { return }
            fuzzCheck(h.packetStart == offset && h.packetStart < h.packetNumberOffset && h.packetNumberOffset <= h.packetEnd
                      && h.packetEnd <= datagram.count, "header offsets out of order: \(h)")
            if offset == 0, h.version == 1 || h.version == 0 || !h.isLongHeader {
                fuzzCheckEqual(PacketHeader.destinationConnectionID(of: datagram, shortHeaderConnectionIDLength: localCIDLength),
                               h.destinationConnectionID, "routing DCID vs parsed DCID")
            }
            switch h.type {
            case .versionNegotiation:
                let again = VersionNegotiationPacket.encode(destinationConnectionID: h.destinationConnectionID.bytes, sourceConnectionID: h.sourceConnectionID.bytes,
                                                            supportedVersions: h.supportedVersions, randomByte: h.firstByte & 0x7f)
                if let back = try? PacketHeader.parse(datagram: again, at: 0, shortHeaderConnectionIDLength: localCIDLength) {
                    fuzzCheckEqual(back.supportedVersions, h.supportedVersions, "versions after re-encoding")
                    fuzzCheckEqual(back.destinationConnectionID, h.destinationConnectionID, "VN DCID after re-encoding")
                } else {
                    fuzzCheck(h.destinationConnectionID.count > 255 || h.sourceConnectionID.count > 255, "re-encoded VN packet rejected")
                }
            case .retry where h.version == 1:
                let bytes = RetryPacket.encodeWithoutTag(destinationConnectionID: h.destinationConnectionID, sourceConnectionID: h.sourceConnectionID, token: h.token) + h.retryIntegrityTag
                guard let back = try? PacketHeader.parse(datagram: bytes, at: 0, shortHeaderConnectionIDLength: localCIDLength) else {
                    fuzzCheck(false, "re-encoded Retry rejected"); return
                }
                fuzzCheckEqual(back.token, h.token, "Retry token after re-encoding")
                fuzzCheckEqual(back.retryIntegrityTag, h.retryIntegrityTag, "Retry tag after re-encoding")
                fuzzCheckEqual(RetryPacket.bytesWithoutTag(bytes, header: back), Array(bytes.dropLast(16)), "Retry bytes without the tag")
                _ = RetryIntegrity.isValid(retryPacket: Array(datagram[h.packetStart..<h.packetEnd]), originalDestinationConnectionID: clientDCID)
            default:
                break
            }
            offset = max(h.packetEnd, offset + 1)
        }
    }

    // MARK: Receive path

    static func connection(_ rest: [UInt8]) {
        var config = ConnectionConfiguration()
        config.randomSeed = 1
        config.connectionIDLength = localCIDLength
        let first = firstInitial
        guard let header = try? PacketHeader.parse(datagram: first, at: 0, shortHeaderConnectionIDLength: localCIDLength),
              let peer = QUICPeerAddress(ip: [127, 0, 0, 1], port: 4433) else {
            fuzzCheck(false, "the harness's own Initial does not parse"); return
        }
        var now = QUICTime(nanoseconds: 1_000_000_000)
        let conn: Connection
        do {
            conn = try Connection(serverConfiguration: config, peerAddress: peer, initialHeader: header, tlsFactory: { _ in SilentTLS() }, now: now)
        } catch {
            fuzzCheck(false, "server connection refused: \(error)"); return
        }
        deliver(first, to: conn, now: now, protected: true)
        var packetNumber: UInt64 = 0
        var r = ByteReader(rest)
        while let length = try? r.readUInt8(), let control = try? r.readUInt8() {
            let body = (try? r.readBytes(min(Int(length), r.remaining))) ?? []
            now = now + QUICDuration(nanoseconds: UInt64(control & 0x3f) * 5_000_000)
            if control & 0x80 != 0 {
                deliver(body, to: conn, now: now, protected: false)
            } else {
                // The packet number length is chosen against the largest packet the server has.
                let previous = packetNumber
                packetNumber += 1 + UInt64(control & 0x40 != 0 ? 300 : 0)
                deliver(protectedInitial(payload: body, packetNumber: packetNumber, largestAcked: previous), to: conn, now: now, protected: true)
            }
            if control & 0x20 != 0, let t = conn.nextTimeout { now = max(now, t); conn.handleTimeout(now: now) }
            if conn.isClosed { break }
        }
    }

    static func deliver(_ datagram: [UInt8], to conn: Connection, now: QUICTime, protected: Bool) {
        let wasOpen = !conn.isClosing && !conn.isClosed
        let before = conn.stats
        conn.handle(datagram: datagram, from: nil, now: now)
        if protected && wasOpen {
            fuzzCheckEqual(conn.stats.packetsReceived, before.packetsReceived + 1, "a correctly protected Initial was not accepted (\(FuzzBytes.hex(datagram)))")
        }
        for _ in 0..<64 { guard conn.pollEvent() != nil else { break } }
        for _ in 0..<16 { guard conn.pollTransmit(now: now) != nil else { break } }
    }

    /// A client Initial carrying `payload`, protected with the Initial keys of `clientDCID`.
    static func protectedInitial(payload: [UInt8], packetNumber: UInt64, largestAcked: UInt64? = nil) -> [UInt8] {
        // Header protection samples 16 bytes from 4 bytes after the packet number.
        let body = payload.count < 4 ? payload + [UInt8](repeating: 0, count: 4 - payload.count) : payload
        let pnLength = PacketNumberCoding.encodedLength(fullPacketNumber: packetNumber, largestAcknowledged: largestAcked)
        var w = ByteWriter()
        w.writeUInt8(0xc0 | UInt8(pnLength - 1))
        w.writeUInt32(1)
        w.writeUInt8(UInt8(clientDCID.count)); w.writeBytes(clientDCID)
        w.writeUInt8(UInt8(clientSCID.count)); w.writeBytes(clientSCID)
        w.writeVarint(0)
        w.writeVarint(UInt64(pnLength + body.count + clientKeys.tagLength))
        let pnOffset = w.count
        w.writeBigEndian(PacketNumberCoding.truncate(packetNumber, length: pnLength), count: pnLength)
        var packet = w.bytes
        packet += clientKeys.seal(payload: body[...], packetNumber: packetNumber, header: packet[...])
        HeaderProtection.apply(packet: &packet, packetNumberOffset: pnOffset, packetNumberLength: pnLength, protection: clientKeys)
        return packet
    }

    static func seeds() -> [(String, [UInt8])] {
        var crypto = ByteWriter()
        Frame.crypto(offset: 4, data: [0x01, 0x00, 0x00, 0x10]).encode(to: &crypto)
        Frame.ping.encode(to: &crypto)
        var ack = ByteWriter()
        Frame.ack(AckFrame(ranges: [0...0], ackDelay: 10)).encode(to: &ack)
        var close = ByteWriter()
        Frame.connectionClose(ConnectionCloseFrame(isApplication: false, errorCode: 0x0a, frameType: 0x06, reason: Array("x".utf8))).encode(to: &close)
        let pn = [UInt8](repeating: 0x11, count: 8) + [UInt8](repeating: 0x07, count: 8) + [0x40]
        func seg(_ control: UInt8, _ body: [UInt8]) -> [UInt8] { [UInt8(body.count), control] + body }
        let vn = VersionNegotiationPacket.encode(destinationConnectionID: clientSCID, sourceConnectionID: clientDCID, supportedVersions: [1, 0x6b3343cf])
        let retry = RetryPacket.encodeWithoutTag(destinationConnectionID: QUICConnectionID(clientSCID)!, sourceConnectionID: QUICConnectionID([1, 2, 3])!, token: [9, 9]) + [UInt8](repeating: 0xee, count: 16)
        let initial = protectedInitial(payload: crypto.bytes, packetNumber: 7)
        return [
            ("initial-crypto-ack", pn + seg(0x01, crypto.bytes) + seg(0x21, ack.bytes) + seg(0x00, [0x01])),
            ("initial-close", pn + seg(0x40, close.bytes)),
            ("raw-initial", pn + seg(0x80, Array(initial.prefix(255)))),
            ("raw-version-negotiation", vn + seg(0x80, vn)),
            ("raw-retry", retry + seg(0x80, retry)),
            ("raw-short-header", [0x41] + clientDCID + [0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]),
        ]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzQUICPacket.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-quic-packet", harness: FuzzQUICPacket.run, seeds: FuzzQUICPacket.seeds) }
}
#endif
