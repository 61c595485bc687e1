import CLibBPF
#if canImport(Glibc)
import Glibc
#endif

/// `bpf/crypto_test.bpf.o` loaded: the BPF_PROG_TEST_RUN harness of the kernel's ChaCha20-Poly1305 QUIC
/// packet protection (bpf/fp_crypto.h). Tests and the crypto microbenchmark drive it; it is never
/// attached to an interface.
///
/// Each `run` writes one `struct fpc_test_params` (operation, offsets, packet numbers, keys) into the
/// object's `fpc_test_params` map and runs `fpc_crypto_test` on a frame; the program's return code is the
/// operation's `Status`.
public final class FastPathCryptoTestProgram {
    /// The object file's name (`make bpf` builds it next to fastpath.bpf.o).
    public static let objectName = "crypto_test.bpf.o"
    static let programName = "fpc_crypto_test"
    static let parametersMapName = "fpc_test_params"
    static let parametersSize = 224

    /// What `fpc_crypto_test` does with the frame (enum fpc_test_op).
    public enum Operation: UInt32, Sendable {
        /// Associated data | plaintext | 16 bytes of room → associated data | ciphertext | tag.
        case aeadSeal = 1
        /// Associated data | ciphertext | tag → associated data | plaintext | tag.
        case aeadOpen = 2
        /// Unprotected QUIC header | payload | 16 bytes of room → protected packet.
        case quicSeal = 3
        /// Protected packet → unprotected header | payload | tag; reports the packet number.
        case quicOpen = 4
        /// Open with `key`, renumber to `newPacketNumber` (4-byte packet numbers), seal with `newKey`.
        case quicReseal = 5
        /// Nothing: the harness's own cost per run (map lookups, BPF_PROG_TEST_RUN), for benchmarks.
        case nop = 6
        /// The 12 bytes at `quicOffset` become the nonce of `key` and `packetNumber` (fpc_quic_nonce).
        case nonce = 7
        /// The fast path's per-packet shape: open with `key` once, then `copies` times (a bpf_loop calling a
        /// global function per copy) renumber to `newPacketNumber + i` and seal with `newKey`, each copy
        /// overwriting the frame (the last one stays). With `noWrite` the original is restored at the end.
        case quicFanout = 8
    }

    /// The outcome of one operation (enum fpc_status).
    public enum Status: UInt32, Sendable {
        case ok = 0
        /// Authentication failed; nothing was written.
        case tagMismatch = 1
        /// Header or payload outside the limits, or too short for a header-protection sample.
        case length = 2
        case loadFailed = 3
        case storeFailed = 4
        case invalidArgument = 5
        /// Open: the packet's key-phase bit is not the one `expectedKeyPhase` asked for.
        case keyPhaseMismatch = 6
    }

    /// One run's inputs (`struct fpc_test_params`).
    public struct Parameters: Sendable {
        public var operation: Operation
        /// Leave the frame as it was (to time repeated runs on one input).
        public var noWrite = false
        /// Where the QUIC packet (or the associated data) starts in the frame.
        public var quicOffset: UInt32 = 14
        /// QUIC: 1 + the DCID length (short header). AEAD operations: the associated-data length.
        public var packetNumberOffset: UInt32
        /// QUIC seal: the packet-number length, 1...4.
        public var packetNumberLength: UInt32 = 4
        /// Seal: the packet number (AEAD operations: XORed into the IV). Open: the largest packet number
        /// received so far (UInt64.max: none).
        public var packetNumber: UInt64
        /// Reseal: the packet number of the sealed copy (fan-out: of the first copy).
        public var newPacketNumber: UInt64 = 0
        public var key: FastPathCryptoKey
        /// Reseal/fan-out: the keys of the sealed copies.
        public var newKey: FastPathCryptoKey?
        /// Fan-out: how many copies to seal (1...1024).
        public var copies: UInt16 = 1
        /// Open: the key phase the packet must carry (nil: any), checked before any AEAD work.
        public var expectedKeyPhase: Bool?

        public init(operation: Operation, packetNumberOffset: UInt32, packetNumber: UInt64, key: FastPathCryptoKey) {
            self.operation = operation
            self.packetNumberOffset = packetNumberOffset
            self.packetNumber = packetNumber
            self.key = key
        }

        var bytes: [UInt8] {
            var out = [UInt8]()
            out.reserveCapacity(FastPathCryptoTestProgram.parametersSize)
            func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
            func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
            u32(operation.rawValue)
            u32(noWrite ? 1 : 0)
            u32(quicOffset)
            u32(packetNumberOffset)
            u32(packetNumberLength)
            u32(0) // status
            u64(packetNumber)
            u64(newPacketNumber)
            u64(0) // pn_out
            u32(0); u32(0); u32(0) // pn_len_out, first_byte_out, pt_len_out
            withUnsafeBytes(of: copies.littleEndian) { out += $0 }
            let check: UInt16 = expectedKeyPhase.map { $0 ? 2 : 1 } ?? 0
            withUnsafeBytes(of: check.littleEndian) { out += $0 }
            out += key.bytes
            out += (newKey ?? key).bytes
            return out
        }
    }

    /// One run's outputs.
    public struct Outcome: Sendable {
        /// The program's return code as a status (nil: a code the harness does not define).
        public let status: Status?
        /// The program's return code.
        public let returnCode: UInt32
        /// The frame as the program left it.
        public let output: [UInt8]
        /// Open: the decoded packet number.
        public let packetNumber: UInt64
        /// Open: the packet-number length from the unprotected first byte.
        public let packetNumberLength: UInt32
        /// Open: the unprotected first byte (key-phase bit 0x04 included).
        public let firstByte: UInt8
        /// The payload length (without the tag) the program worked on.
        public let payloadLength: UInt32
        /// Average run time per repetition, as the kernel measured it.
        public let durationNanoseconds: UInt32
    }

    private var object: OpaquePointer?
    private let programFD: Int32
    private let parametersFD: Int32
    /// Instructions the verifier processed for `fpc_crypto_test` (its "processed N insns" line).
    public let verifiedInstructions: Int?
    /// The verifier's statistics lines for the program.
    public let verifierStatistics: String

    private init(object: OpaquePointer, programFD: Int32, parametersFD: Int32, statistics: String) {
        self.object = object
        self.programFD = programFD
        self.parametersFD = parametersFD
        self.verifierStatistics = statistics
        self.verifiedInstructions = Self.processedInstructions(in: statistics)
    }

    deinit { close() }

    /// Unloads the object.
    public func close() {
        if let object { bpf_object__close(object) }
        object = nil
    }

    /// Loads `path` (a crypto_test.bpf.o). Throws `insufficientPrivileges` without CAP_BPF/CAP_NET_ADMIN,
    /// `loadFailed` with the verifier log when the kernel rejects it.
    public static func load(path: String) throws -> FastPathCryptoTestProgram {
        try FastPathPrivileges.check()
        LibBPFLog.install()
        _ = LibBPFLog.take()
        guard access(path, R_OK) == 0 else {
            throw FastPathError(.objectNotFound, errno: errno, "cannot read BPF object \(path)")
        }
        do {
            // Statistics only (log level 4): the full log is large and only matters on failure.
            return try load(path: path, logLevel: 4, logSize: 1 << 16)
        } catch let error as FastPathError where error.code == .loadFailed {
            // Again with the instruction-level log, for the reason.
            _ = try load(path: path, logLevel: 1 | 4, logSize: 1 << 24)
            throw error
        }
    }

    private static func load(path: String, logLevel: UInt32, logSize: Int) throws -> FastPathCryptoTestProgram {
        guard let object = bpf_object__open_file(path, nil) else {
            let e = errno
            throw FastPathError(.objectNotFound, errno: e, "cannot open BPF object \(path): \(LibBPFLog.take())")
        }
        var ok = false
        defer { if !ok { bpf_object__close(object) } }
        guard let program = bpf_object__find_program_by_name(object, programName) else {
            throw FastPathError(.abiMismatch, "BPF object \(path) has no program \(programName)")
        }
        let log = UnsafeMutablePointer<CChar>.allocate(capacity: logSize)
        defer { log.deallocate() }
        log.initialize(repeating: 0, count: logSize)
        bpf_program__set_log_buf(program, log, logSize)
        bpf_program__set_log_level(program, logLevel)
        let rc = bpf_object__load(object)
        let text = String(cString: log)
        if rc != 0 {
            throw FastPathError(.loadFailed, errno: -rc,
                                "the kernel rejected \(path):\n\(String(text.suffix(20_000)))\n\(LibBPFLog.take())")
        }
        guard let map = bpf_object__find_map_by_name(object, parametersMapName) else {
            throw FastPathError(.abiMismatch, "BPF object \(path) has no map \(parametersMapName)")
        }
        guard bpf_map__value_size(map) == UInt32(parametersSize) else {
            throw FastPathError(.abiMismatch, "\(parametersMapName) values are \(bpf_map__value_size(map)) bytes, expected \(parametersSize)")
        }
        ok = true
        return FastPathCryptoTestProgram(object: object, programFD: bpf_program__fd(program), parametersFD: bpf_map__fd(map),
                                         statistics: text)
    }

    static func processedInstructions(in log: String) -> Int? {
        let marker = Array("processed ".utf8)
        let text = Array(log.utf8)
        guard text.count >= marker.count else { return nil }
        for start in 0...(text.count - marker.count) where Array(text[start..<start + marker.count]) == marker {
            let digits = text[(start + marker.count)...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
            return Int(String(decoding: digits, as: UTF8.self))
        }
        return nil
    }

    /// Runs `parameters.operation` on `frame` with BPF_PROG_TEST_RUN, `repetitions` times (a repeated
    /// run works on the frame the previous repetition left, unless `noWrite`).
    public func run(_ parameters: Parameters, frame: [UInt8], repetitions: UInt32 = 1) throws -> Outcome {
        var zero: UInt32 = 0
        var value = parameters.bytes
        precondition(value.count == Self.parametersSize, "struct fpc_test_params is \(Self.parametersSize) bytes")
        if bpf_map_update_elem(parametersFD, &zero, &value, 0) != 0 {
            throw FastPathError(.mapOperationFailed, errno: errno, "cannot write \(Self.parametersMapName)")
        }
        var input = frame
        var output = [UInt8](repeating: 0, count: frame.count + 256)
        var opts = bpf_test_run_opts()
        opts.sz = MemoryLayout<bpf_test_run_opts>.offset(of: \bpf_test_run_opts.batch_size)! + MemoryLayout<UInt32>.size
        opts.repeat = Int32(max(repetitions, 1))
        let rc: Int32 = input.withUnsafeMutableBytes { inBytes in
            output.withUnsafeMutableBytes { outBytes in
                opts.data_in = UnsafeRawPointer(inBytes.baseAddress)
                opts.data_size_in = UInt32(inBytes.count)
                opts.data_out = outBytes.baseAddress
                opts.data_size_out = UInt32(outBytes.count)
                return bpf_prog_test_run_opts(programFD, &opts)
            }
        }
        if rc != 0 {
            throw FastPathError(.testRunFailed, errno: rc < 0 ? -rc : errno, "BPF_PROG_TEST_RUN of \(Self.programName) failed")
        }
        if bpf_map_lookup_elem(parametersFD, &zero, &value) != 0 {
            throw FastPathError(.mapOperationFailed, errno: errno, "cannot read \(Self.parametersMapName)")
        }
        func u32(_ offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(value[offset + $1]) << (8 * UInt32($1)) }
        }
        func u64(_ offset: Int) -> UInt64 {
            (0..<8).reduce(UInt64(0)) { $0 | UInt64(value[offset + $1]) << (8 * UInt64($1)) }
        }
        return Outcome(status: Status(rawValue: opts.retval), returnCode: opts.retval,
                       output: Array(output.prefix(Int(opts.data_size_out))),
                       packetNumber: u64(40), packetNumberLength: u32(48), firstByte: UInt8(truncatingIfNeeded: u32(52)),
                       payloadLength: u32(56), durationNanoseconds: opts.duration)
    }
}
