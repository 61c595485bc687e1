#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Stops the process when a harness invariant fails. libFuzzer sees the trap as a crash and keeps
/// the input; the message says which invariant broke.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if condition() { return }
    let text = "FUZZ FINDING (\(file):\(line)): \(message())\n"
    text.utf8CString.withUnsafeBufferPointer { p in _ = write(2, p.baseAddress, p.count - 1) }
    fatalError("fuzz invariant failed", file: file, line: line)
}

/// `fuzzCheck(a == b)` that prints both values when they differ.
public func fuzzCheckEqual<T: Equatable>(_ a: T, _ b: T, _ what: @autoclosure () -> String,
                                         file: StaticString = #fileID, line: UInt = #line) {
    if a == b { return }
    fuzzCheck(false, "\(what()) differ:\n  first:  \(a)\n  second: \(b)", file: file, line: line)
}
