// quic-interop: the quic-interop-runner endpoint (ROLE, TESTCASE, REQUESTS, WWW, DOWNLOADS, CERTS, PORT).
import Foundation
let testcase = ProcessInfo.processInfo.environment["TESTCASE"] ?? ""
FileHandle.standardError.write("quic-interop: unsupported test case '\(testcase)'\n".data(using: .utf8)!)
exit(127)
