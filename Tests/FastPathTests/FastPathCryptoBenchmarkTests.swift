import Crypto
import _CryptoExtras
import FastPath
import Foundation
import TestSupport
import XCTest

/// Cost of one sealed (and one opened) 1200-byte QUIC packet: the kernel's ChaCha20-Poly1305
/// (BPF_PROG_TEST_RUN, repeated) against swift-crypto in the same process. Prints one `crypto-bpf:` line,
/// which scripts/bench/crypto-bpf.sh reports. Environment: FPC_BENCH_REPEAT (runs per round, default
/// 2000), FPC_BENCH_ROUNDS (best of, default 5), FPC_BENCH_PAYLOAD (UDP payload bytes, default 1200).
final class FastPathCryptoBenchmarkTests: XCTestCase {
    typealias Program = FastPathCryptoTestProgram

    func testSealAndOpenCostAgainstSwiftCrypto() throws {
        let program = try CryptoObjectLocator.program()
        let environment = ProcessInfo.processInfo.environment
        let repeats = UInt32(environment["FPC_BENCH_REPEAT"].flatMap { UInt32($0) } ?? 2000)
        let rounds = environment["FPC_BENCH_ROUNDS"].flatMap { Int($0) } ?? 5
        let udpPayload = environment["FPC_BENCH_PAYLOAD"].flatMap { Int($0) } ?? 1200
        let ethernet = [UInt8](repeating: 0, count: 14)

        var rng = SeededGenerator(seed: 1)
        let key = try randomKey(&rng)
        let packetNumber: UInt64 = 1_000_000
        let header = [UInt8(0x43)] + randomBytes(8, &rng) + bigEndian(packetNumber, 4)
        let payloadLength = udpPayload - header.count - 16
        XCTAssertGreaterThan(payloadLength, 0)
        let payload = randomBytes(payloadLength, &rng)
        let sealedBySwift = try SwiftCryptoQUIC.seal(header: header, payload: payload, packetNumber: packetNumber,
                                                     packetNumberOffset: 9, key: key)

        func best(_ parameters: Program.Parameters, _ frame: [UInt8]) throws -> UInt32 {
            var minimum = UInt32.max
            for _ in 0..<rounds {
                let outcome = try program.run(parameters, frame: frame, repetitions: repeats)
                XCTAssertEqual(outcome.status, .ok)
                minimum = min(minimum, outcome.durationNanoseconds)
            }
            return minimum
        }

        // Kernel. Repeated seals rewrite the same frame (same lengths: same work, stores included);
        // opens must not write, or the second repetition would fail its tag.
        let seal = Program.Parameters(operation: .quicSeal, packetNumberOffset: 9, packetNumber: packetNumber, key: key)
        var open = Program.Parameters(operation: .quicOpen, packetNumberOffset: 9, packetNumber: packetNumber - 1, key: key)
        open.noWrite = true
        let nop = Program.Parameters(operation: .nop, packetNumberOffset: 9, packetNumber: 0, key: key)
        let sealFrame = ethernet + header + payload + [UInt8](repeating: 0, count: 16)
        let bpfSeal = try best(seal, sealFrame)
        let bpfOpen = try best(open, ethernet + sealedBySwift)
        let bpfNop = try best(nop, sealFrame)
        // Fan-out: one open, then per copy renumber + seal + store, original restored at the end.
        var fanout = Program.Parameters(operation: .quicFanout, packetNumberOffset: 9, packetNumber: packetNumber - 1, key: key)
        fanout.newKey = key
        fanout.newPacketNumber = 1 << 40
        fanout.noWrite = true
        fanout.copies = 1
        let bpfFanout1 = try best(fanout, ethernet + sealedBySwift)
        fanout.copies = 16
        let bpfFanout16 = try best(fanout, ethernet + sealedBySwift)
        // What was timed is right: one fresh seal equals swift-crypto's packet.
        XCTAssertEqual(try program.run(seal, frame: sealFrame).output, ethernet + sealedBySwift)

        // swift-crypto, same packet: AEAD plus header-protection mask.
        let aeadKey = SymmetricKey(data: key.key)
        let nonce = try ChaChaPoly.Nonce(data: key.nonce(packetNumber: packetNumber))
        func timeSwift(_ body: () throws -> Void) rethrows -> Double {
            let iterations = Int(repeats)
            var minimum = Double.infinity
            for _ in 0..<rounds {
                let start = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<iterations { try body() }
                minimum = min(minimum, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(iterations))
            }
            return minimum
        }
        var sink = 0
        let swiftSeal = try timeSwift {
            let box = try ChaChaPoly.seal(payload, using: aeadKey, nonce: nonce, authenticating: header)
            let mask = try SwiftCryptoQUIC.mask(Array(box.ciphertext.prefix(16))[...], key: key)
            sink &+= Int(mask[0])
        }
        let swiftOpen = try timeSwift {
            let (unprotected, _) = try SwiftCryptoQUIC.removeHeaderProtection(sealedBySwift, packetNumberOffset: 9, key: key)
            let plain = try SwiftCryptoQUIC.open(unprotected, headerLength: header.count, packetNumber: packetNumber, key: key)
            sink &+= plain.count
        }
        XCTAssertNotEqual(sink, 0)

        #if DEBUG
        let build = "debug"
        #else
        let build = "release"
        #endif
        let perCopy = Double(bpfFanout16 - min(bpfFanout16, bpfFanout1)) / 15
        let line = String(format: "crypto-bpf: udp_payload=%d bpf_seal_ns=%u bpf_open_ns=%u bpf_harness_ns=%u bpf_fanout1_ns=%u bpf_fanout16_ns=%u bpf_per_copy_ns=%.0f swift_seal_ns=%.0f swift_open_ns=%.0f verifier_insns=%d swift_build=%@ repeat=%u rounds=%d",
                          udpPayload, bpfSeal, bpfOpen, bpfNop, bpfFanout1, bpfFanout16, perCopy, swiftSeal, swiftOpen,
                          program.verifiedInstructions ?? -1, build, repeats, rounds)
        print(line)
        XCTAssertGreaterThan(bpfSeal, bpfNop)
        XCTAssertGreaterThan(bpfOpen, bpfNop)
    }
}
