import FuzzSupport
import QUIC
import Wire

/// libFuzzer harness for the QUIC frame decoder (`Frame.decodeAll` / `Frame.decode`, RFC 9000 §19
/// and DATAGRAM of RFC 9221) and the per-packet-type frame rules (`FrameLegality`).
///
/// The input is a decrypted packet payload. Failures must be `QUICError`s. A decoded payload is
/// re-encoded frame by frame: it must decode to the same frames, with a stable encoding; a frame
/// decoded alone must match the same frame in the list.
enum FuzzQUICFrame {
    static let levels: [EncryptionLevel] = [.initial, .zeroRTT, .handshake, .oneRTT]

    /// The TLS handshake message framing a connection follows on CRYPTO data: the same verdict
    /// whether the bytes come at once or in pieces of any size.
    static func framing(_ input: [UInt8]) {
        let limit = 64 + Int(input.first ?? 0)
        var whole = HandshakeMessageFraming()
        let verdict = whole.consume(input, limit: limit)
        for size in [1, 3, 7] {
            var pieces = HandshakeMessageFraming()
            var found: Int?
            for chunk in FuzzBytes.chunks(input, size: size) where found == nil {
                found = pieces.consume(Array(chunk), limit: limit)
            }
            fuzzCheckEqual(found, verdict, "framing verdict in \(size)-byte pieces")
            if verdict == nil { fuzzCheckEqual(pieces, whole, "framing state in \(size)-byte pieces") }
        }
        if let v = verdict { fuzzCheck(v > limit, "refused a \(v)-byte message under a \(limit)-byte limit") }
    }

    static func run(_ input: [UInt8]) {
        framing(input)
        let frames: [Frame]
        do {
            frames = try Frame.decodeAll(input)
        } catch {
            _ = error.description
            return
        }
        fuzzCheck(!frames.isEmpty || input.isEmpty, "non-empty payload decoded to no frames")
        var w = ByteWriter()
        for f in frames {
            _ = f.isAckEliciting
            for level in levels {
                let allowed = FrameLegality.allowed(frameType: f.typeValue).contains(FrameLegality.packetType(for: level))
                do {
                    try FrameLegality.check(f, at: level)
                    fuzzCheck(allowed, "check() accepted a frame that allowed() forbids")
                } catch {
                    fuzzCheck(!allowed, "check() rejected a frame that allowed() permits")
                }
            }
            let one = f.encoded
            var r = ByteReader(one)
            do {
                let back = try Frame.decode(from: &r)
                fuzzCheckEqual(back, f, "frame after re-encoding alone")
                fuzzCheck(r.isAtEnd, "re-encoded frame not consumed whole: \(f)")
            } catch {
                fuzzCheck(false, "re-encoded frame rejected: \(error)\n  frame: \(f)\n  bytes: \(FuzzBytes.hex(one))")
            }
            f.encode(to: &w)
        }
        let again: [Frame]
        do { again = try Frame.decodeAll(w.bytes) } catch {
            fuzzCheck(false, "re-encoded payload rejected: \(error) (\(FuzzBytes.hex(w.bytes)))"); return
        }
        fuzzCheckEqual(again, frames, "frames after re-encoding the payload")
        var w2 = ByteWriter()
        for f in again { f.encode(to: &w2) }
        fuzzCheckEqual(w2.bytes, w.bytes, "payload encoding after a round trip")
    }

    static func seeds() -> [(String, [UInt8])] {
        let cid = QUICConnectionID([1, 2, 3, 4, 5, 6, 7, 8])!
        let frames: [(String, [Frame])] = [
            ("initial-crypto-ack", [.ack(AckFrame(ranges: [10...12, 2...5, 0...0], ackDelay: 300)), .crypto(offset: 0, data: [1, 0, 0, 4, 3, 3, 0, 0]), .padding(count: 5)]),
            ("ack-ecn", [.ack(AckFrame(ranges: [1_000_000...1_000_100], ackDelay: 25, ecn: AckFrame.ECNCounts(ect0: 1, ect1: 2, ce: 3)))]),
            ("stream-frames", [.stream(StreamFrame(streamID: 4, offset: 1 << 20, data: [1, 2, 3], fin: false)), .stream(StreamFrame(streamID: 2, offset: 0, data: [9], fin: true, hasLength: false))]),
            ("flow-control", [.maxData(1 << 30), .maxStreamData(streamID: 0, maximum: 65536), .maxStreams(bidirectional: true, maximum: 100),
                              .maxStreams(bidirectional: false, maximum: 3), .dataBlocked(limit: 9), .streamDataBlocked(streamID: 8, limit: 1),
                              .streamsBlocked(bidirectional: true, limit: 4), .streamsBlocked(bidirectional: false, limit: 5)]),
            ("stream-control", [.resetStream(streamID: 4, errorCode: 7, finalSize: 100), .stopSending(streamID: 8, errorCode: 1), .ping]),
            ("connection-ids", [.newConnectionID(NewConnectionIDFrame(sequenceNumber: 2, retirePriorTo: 1, connectionID: cid, statelessResetToken: Array(repeating: 0xab, count: 16))),
                                .retireConnectionID(sequenceNumber: 1), .pathChallenge([1, 2, 3, 4, 5, 6, 7, 8]), .pathResponse([8, 7, 6, 5, 4, 3, 2, 1])]),
            ("close-and-token", [.newToken([1, 2, 3]), .handshakeDone, .connectionClose(ConnectionCloseFrame(isApplication: false, errorCode: 0x0a, frameType: 0x06, reason: Array("bad".utf8)))]),
            ("close-application", [.connectionClose(ConnectionCloseFrame(isApplication: true, errorCode: 0x102, frameType: 0, reason: []))]),
            ("datagrams", [.datagram(data: [1, 2, 3], hasLength: true), .datagram(data: [4, 5], hasLength: false)]),
        ]
        return frames.map { name, list in
            var w = ByteWriter()
            for f in list { f.encode(to: &w) }
            return (name, w.bytes)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzQUICFrame.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-quic-frame", harness: FuzzQUICFrame.run, seeds: FuzzQUICFrame.seeds) }
}
#endif
