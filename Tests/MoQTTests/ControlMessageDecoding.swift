import XCTest
import Wire
@testable import MoQT

/// Decodes one control message that must take all of `bytes` (the draft-22 suites' byte-level checks).
func decodeWholeControlMessage(_ bytes: [UInt8], _ options: Draft18.DecodeOptions,
                               file: StaticString = #filePath, line: UInt = #line) throws -> Draft18.ControlMessage {
    var r = ByteReader(bytes)
    let m = try Draft18.ControlMessage.decode(from: &r, options: options)
    XCTAssertTrue(r.isAtEnd, "bytes left after the message", file: file, line: line)
    return m
}
