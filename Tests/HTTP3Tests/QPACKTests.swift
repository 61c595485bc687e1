import HTTP3
import XCTest

final class QPACKTests: XCTestCase {
    func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func testHuffmanMatchesRFC7541Example() throws {
        // RFC 7541 C.4.1: "www.example.com".
        let coded = hex("f1e3c2e5f23a6ba0ab90f4ff")
        XCTAssertEqual(try Huffman.decode(coded[...]), Array("www.example.com".utf8))
        XCTAssertEqual(Huffman.encode(Array("www.example.com".utf8)), coded)
    }

    func testHuffmanRejectsBadPadding() {
        // '0' is 00000 (5 bits); padding of zeros instead of ones.
        XCTAssertThrowsError(try Huffman.decode([0x00][...])) { XCTAssertEqual(($0 as? HTTP3Error)?.code, .qpackDecompressionFailed) }
        // Eight or more bits of padding (a whole 0xff byte after a complete symbol).
        XCTAssertThrowsError(try Huffman.decode([0x07, 0xff][...]))
        // EOS (30 ones) inside the string.
        XCTAssertThrowsError(try Huffman.decode([0xff, 0xff, 0xff, 0xff][...]))
    }

    /// A CONNECT as a QPACK encoder with Huffman strings writes it (produced by aioquic's pylsqpack).
    func testDecodesHuffmanCodedConnect() throws {
        let block = hex("0000cfd7508a089d5c0b8170dc69a69951876293f6ff3cc01f2f00b95d8749c87a3f89f058d360ea4567b13f2f0e4148b782c69b07522b3d895a74a6b65692c1ca900b01315f4b8f9d29aee30c044eae05c0b86e3c07812f09f09587dc66a071d055abb0e9390f423f88fe693f64ac17bf9f")
        let fields = try QPACK.decode(block)
        XCTAssertEqual(fields, [
            HTTPField(":method", "CONNECT"), HTTPField(":scheme", "https"), HTTPField(":authority", "127.0.0.1:4443"),
            HTTPField(":path", "/moq?x=1"), HTTPField(":protocol", "webtransport"), HTTPField("sec-webtransport-http3-draft02", "1"),
            HTTPField("origin", "http://127.0.0.1:8080"), HTTPField("wt-available-protocols", "\"moqt-18\""),
        ])
        guard case .webTransport(let request) = try WebTransportConnect.classify(fields) else { return XCTFail("not a WebTransport CONNECT") }
        XCTAssertEqual(request.availableProtocols, ["moqt-18"])
        XCTAssertEqual(request.path, "/moq?x=1")
        XCTAssertEqual(request.origin, "http://127.0.0.1:8080")
    }

    func testStaticTableAndEncoder() throws {
        XCTAssertEqual(QPACKStaticTable.entries.count, 99)
        XCTAssertEqual(QPACK.encode([HTTPField(":status", "200")]), [0, 0, 0xD9])
        let fields = [HTTPField(":status", "405"), HTTPField("wt-protocol", "\"moqt-18\""), HTTPField("origin", "x")]
        XCTAssertEqual(try QPACK.decode(QPACK.encode(fields)), fields)
        XCTAssertEqual(try QPACK.decode(QPACK.encodeHuffmanLiterals(fields)), fields)
    }

    func testRejectsDynamicTableAndGarbage() {
        let cases: [[UInt8]] = [
            [0x01, 0x00],            // Required Insert Count 1
            [0x00, 0x00, 0x80],      // indexed, dynamic
            [0x00, 0x00, 0xFF, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01],  // integer overflow
            [0x00, 0x00, 0xC0 | 63, 40],  // static index 103
            [0x00, 0x00, 0x10],      // post-base index
            [0x00, 0x00, 0x2F, 0x10, 0x61],  // literal name longer than the block
            [0x00],                  // truncated prefix
        ]
        for c in cases {
            XCTAssertThrowsError(try QPACK.decode(c), "\(c)") { XCTAssertEqual(($0 as? HTTP3Error)?.code, .qpackDecompressionFailed, "\(c)") }
        }
    }

    func testStructuredFieldList() {
        XCTAssertEqual(WebTransportConnect.parseStructuredList("\"moqt-18\", \"moqt-17\";q=1, tok, \"a\\\"b\""), ["moqt-18", "moqt-17", "tok", "a\"b"])
        XCTAssertEqual(WebTransportConnect.serializeString("a\"b"), "\"a\\\"b\"")
        XCTAssertEqual(WebTransportConnect.parseStructuredList(""), [])
    }

    func testConnectClassification() throws {
        func fields(_ pairs: [(String, String)]) -> [HTTPField] { pairs.map { HTTPField($0.0, $0.1) } }
        let base = [(":method", "CONNECT"), (":protocol", "webtransport"), (":scheme", "https"), (":authority", "h"), (":path", "/")]
        guard case .webTransport = try WebTransportConnect.classify(fields(base)) else { return XCTFail() }
        // CONNECT without :protocol but with :scheme/:path: malformed.
        XCTAssertThrowsError(try WebTransportConnect.classify(fields(base.filter { $0.0 != ":protocol" }))) {
            XCTAssertEqual(($0 as? HTTP3Error)?.code, .messageError)
        }
        // Plain CONNECT: well-formed, not served.
        XCTAssertEqual(try WebTransportConnect.classify(fields([(":method", "CONNECT"), (":authority", "h:1")])), .reject(status: 501, reason: "plain CONNECT is not supported"))
        XCTAssertEqual(try WebTransportConnect.classify(fields([(":method", "GET"), (":scheme", "https"), (":authority", "h"), (":path", "/")])),
                       .reject(status: 405, reason: "GET is not served here (WebTransport only)"))
        guard case .reject(501, _) = try WebTransportConnect.classify(fields(base.map { $0.0 == ":protocol" ? ($0.0, "websocket") : $0 })) else { return XCTFail() }
        for bad in [base + [(":method", "GET")], base + [("Origin", "x")], [("origin", "x")] + base, base + [(":foo", "x")]] {
            XCTAssertThrowsError(try WebTransportConnect.classify(fields(bad)), "\(bad)")
        }
    }
}
