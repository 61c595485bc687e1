import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

extension FastPathObject {
    /// Runs `program` on `packet` (an Ethernet frame) with BPF_PROG_TEST_RUN, `repetitions` times,
    /// optionally with an `__sk_buff` context (e.g. gso_segs, ifindex).
    public func testRun(_ program: FastPathProgram, packet: [UInt8], context: __sk_buff? = nil,
                        repetitions: UInt32 = 1) throws -> FastPathTestRunResult {
        var input = packet
        var output = [UInt8](repeating: 0, count: packet.count + 512)
        var ctx = context ?? __sk_buff()
        var opts = bpf_test_run_opts()
        opts.sz = MemoryLayout<bpf_test_run_opts>.offset(of: \bpf_test_run_opts.batch_size)! + MemoryLayout<UInt32>.size
        opts.repeat = Int32(max(repetitions, 1))
        let rc: Int32 = input.withUnsafeMutableBytes { inBytes in
            output.withUnsafeMutableBytes { outBytes in
                withUnsafeMutablePointer(to: &ctx) { ctxPointer in
                    opts.data_in = UnsafeRawPointer(inBytes.baseAddress)
                    opts.data_size_in = UInt32(inBytes.count)
                    opts.data_out = outBytes.baseAddress
                    opts.data_size_out = UInt32(outBytes.count)
                    if context != nil {
                        opts.ctx_in = UnsafeRawPointer(ctxPointer)
                        opts.ctx_size_in = UInt32(MemoryLayout<__sk_buff>.size)
                    }
                    return bpf_prog_test_run_opts(fd(program), &opts)
                }
            }
        }
        if rc != 0 {
            throw FastPathError(.testRunFailed, errno: rc < 0 ? -rc : errno, "BPF_PROG_TEST_RUN of \(program.rawValue) failed")
        }
        return FastPathTestRunResult(returnCode: opts.retval, output: Array(output.prefix(Int(opts.data_size_out))),
                                     durationNanoseconds: opts.duration)
    }
}
