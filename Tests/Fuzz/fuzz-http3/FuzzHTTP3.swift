import FuzzSupport
import HTTP3
import Wire

/// libFuzzer harness for the HTTP/3 and WebTransport parsers (docs/WEBTRANSPORT.md): QPACK field
/// sections, Huffman strings, SETTINGS, capsules, and the whole `WebTransportServer` fed a script
/// of stream bytes, resets and datagrams.
///
/// Invariants: decoders fail only with `HTTP3Error`; what decodes re-encodes to the same value;
/// the server's actions do not depend on how a stream's bytes are split; after a connection error
/// it acts no more; WebTransport stream payload comes only after the stream was opened.
enum FuzzHTTP3 {
    static func codecs(_ input: [UInt8]) {
        if let fields = try? QPACK.decode(input) {
            let again = try? QPACK.decode(QPACK.encode(fields))
            fuzzCheckEqual(again, fields, "QPACK fields after re-encoding")
            let huffman = try? QPACK.decode(QPACK.encodeHuffmanLiterals(fields))
            fuzzCheckEqual(huffman, fields, "QPACK fields after Huffman re-encoding")
        }
        if let decoded = try? Huffman.decode(input[...]) {
            fuzzCheckEqual(try? Huffman.decode(Huffman.encode(decoded)[...]), decoded, "Huffman round trip")
        }
        if let settings = try? HTTP3Settings.decode(payload: input) {
            fuzzCheckEqual(try? HTTP3Settings.decode(payload: settings.encodePayload()), settings, "SETTINGS round trip")
        }
        var whole = CapsuleReader(maxCapsule: 64)
        whole.append(input)
        let expected = capsules(&whole)
        var pieces = CapsuleReader(maxCapsule: 64)
        var got: [String] = []
        for chunk in FuzzBytes.chunks(input, size: 3) {
            pieces.append(Array(chunk))
            got += capsules(&pieces)
            if got.last?.hasPrefix("error") == true { break }
        }
        fuzzCheckEqual(got, expected, "capsules in 3-byte pieces")
    }

    static func capsules(_ r: inout CapsuleReader) -> [String] {
        var out: [String] = []
        do {
            while let c = try r.next() {
                let again = try? { var x = CapsuleReader(maxCapsule: 1 << 16); x.append(c.encode()); return try x.next() }()
                fuzzCheckEqual(again, c, "capsule round trip")
                out.append("capsule \(c)")
            }
        } catch {
            out.append("error \(error.code)")
        }
        return out
    }

    /// One step of a server script: (op, stream, length) then bytes.
    struct Step { var op: UInt8; var stream: UInt64; var bytes: [UInt8]; var fin: Bool }

    static func script(_ input: [UInt8]) -> [Step] {
        var steps: [Step] = []
        var ended = Set<UInt64>()  // QUIC delivers nothing on a stream after its FIN or reset
        var i = 0
        while i + 3 <= input.count {
            let op = input[i] % 4, s = input[i + 1], n = Int(input[i + 2]) % 64
            i += 3
            let bytes = Array(input[i..<min(input.count, i + n)])
            i += bytes.count
            // Streams: client bidi 0,4,8; client uni 2,6,10,14; a server bidi 1.
            let ids: [UInt64] = [0, 4, 8, 2, 6, 10, 14, 1]
            let step = Step(op: op, stream: ids[Int(s & 7)], bytes: bytes, fin: s & 0x80 != 0)
            if op < 3 {
                guard !ended.contains(step.stream) else { continue }
                if op == 2 || step.fin { ended.insert(step.stream) }
            }
            steps.append(step)
        }
        return steps
    }

    static func runServer(_ steps: [Step], split: Int?) -> [String] {
        let server = WebTransportServer(configuration: .init(supportedProtocols: ["moqt-18"]))
        var log: [String] = []
        var opened = Set<UInt64>()
        var finished = Set<UInt64>()
        var dataByStream: [UInt64: [UInt8]] = [:]
        func drain() {
            while let a = server.pollAction() {
                switch a {
                case .streamData(let id, let bytes, let fin):
                    fuzzCheck(opened.contains(id) || id & 1 == 1, "data on WebTransport stream \(id) before it opened")
                    fuzzCheck(!finished.contains(id), "data on WebTransport stream \(id) after its FIN")
                    dataByStream[id, default: []] += bytes
                    if fin { finished.insert(id); log.append("data \(id) \(dataByStream[id]!) fin") }
                case .streamOpened(let id, _):
                    fuzzCheck(opened.insert(id).inserted, "stream \(id) opened twice")
                    log.append("\(a)")
                case .write(let id, let bytes, let fin):
                    // Writes of our own are whole messages: same however the input was split.
                    log.append("write \(id) \(bytes.count) \(fin)")
                default:
                    log.append("\(a)")
                }
            }
        }
        for step in steps {
            let failedBefore = server.connectionError != nil
            switch step.op {
            case 0, 1:
                if let split, split > 0, !step.bytes.isEmpty {
                    let chunks = FuzzBytes.chunks(step.bytes, size: split)
                    for (k, c) in chunks.enumerated() { server.receive(streamID: step.stream, bytes: Array(c), fin: step.fin && k == chunks.count - 1) }
                } else {
                    server.receive(streamID: step.stream, bytes: step.bytes, fin: step.fin)
                }
            case 2:
                server.receiveReset(streamID: step.stream, code: UInt64(step.bytes.first ?? 0))
            default:
                server.receiveDatagram(step.bytes)
            }
            if failedBefore { fuzzCheck(server.pollAction() == nil, "actions after a connection error") }
            drain()
        }
        // Data not yet ended is compared too.
        for (id, bytes) in dataByStream.sorted(by: { $0.key < $1.key }) where !finished.contains(id) { log.append("data \(id) \(bytes)") }
        return log
    }

    static func run(_ input: [UInt8]) {
        codecs(input)
        let steps = script(input)
        let whole = runServer(steps, split: nil)
        let pieces = runServer(steps, split: 1)
        fuzzCheckEqual(pieces, whole, "server actions with bytes fed one at a time")
    }

    static func seeds() -> [(String, [UInt8])] {
        func step(_ op: UInt8, _ sel: UInt8, _ bytes: [UInt8]) -> [UInt8] { [op, sel, UInt8(bytes.count)] + bytes }
        let control = [0x00] + HTTP3FrameType.encode(type: 4, payload: HTTP3Settings([(0x08, 1), (0x33, 1), (0x2b603742, 1), (0x1f * 3 + 0x21, 7)]).encodePayload())
        let connect = HTTP3FrameType.encode(type: 1, payload: QPACK.encodeHuffmanLiterals([
            HTTPField(":method", "CONNECT"), HTTPField(":protocol", "webtransport"), HTTPField(":scheme", "https"),
            HTTPField(":authority", "127.0.0.1:4443"), HTTPField(":path", "/moq"), HTTPField("wt-available-protocols", "\"moqt-18\""),
        ]))
        let uni: [UInt8] = [0x40, 0x54, 0x00, 1, 2, 3]
        let bidi: [UInt8] = [0x40, 0x41, 0x00, 9, 8]
        let close = HTTP3FrameType.encode(type: 0, payload: WebTransportCapsule.close(code: 7, message: "bye").encode())
        return [
            ("qpack-static", QPACK.encode([HTTPField(":status", "200"), HTTPField("origin", "http://127.0.0.1"), HTTPField("x", "y")])),
            ("huffman", Huffman.encode(Array("webtransport".utf8))),
            ("settings", HTTP3Settings.webTransportServer().encodePayload()),
            ("capsules", WebTransportCapsule.drain.encode() + WebTransportCapsule.close(code: 1, message: "x").encode()),
            ("session", step(0, 3, control) + step(0, 4, uni) + step(0, 0, Array(connect.prefix(60))) + step(0, 0, Array(connect.dropFirst(60)))
                + step(0, 1, bidi) + step(3, 0, [0, 5, 6]) + step(0, 0x80, close)),
            ("bad-settings", step(0, 3, [0x00] + HTTP3FrameType.encode(type: 4, payload: [0x08, 0x02]))),
        ]
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzHTTP3.run(FuzzBytes.array(data, size))
    return 0
}

#if !FUZZING
@main
enum Replay {
    static func main() { FuzzReplay.main(name: "fuzz-http3", harness: FuzzHTTP3.run, seeds: FuzzHTTP3.seeds) }
}
#endif
