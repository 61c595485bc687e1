/// The outcome of one BPF_PROG_TEST_RUN.
public struct FastPathTestRunResult: Sendable, Equatable {
    /// The program's return code (TC_ACT_OK = 0).
    public let returnCode: UInt32
    /// The packet as the program left it.
    public let output: [UInt8]
    /// Average run time per repetition, as the kernel measured it.
    public let durationNanoseconds: UInt32
}
