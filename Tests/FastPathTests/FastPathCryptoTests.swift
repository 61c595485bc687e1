import Crypto
import _CryptoExtras
import FastPath
import Foundation
import QUIC
import TestSupport
import XCTest

/// The kernel's ChaCha20-Poly1305 QUIC packet protection (bpf/fp_crypto.h), run through
/// bpf/crypto_test.bpf.c with BPF_PROG_TEST_RUN: the RFC vectors byte for byte, and agreement with
/// swift-crypto (an independent implementation) in both directions at every payload size class.
final class FastPathCryptoTests: XCTestCase {
    typealias Program = FastPathCryptoTestProgram

    /// BPF_PROG_TEST_RUN wants an Ethernet header in front; the QUIC packet starts at byte 14.
    static let ethernet = [UInt8](repeating: 0, count: 14)

    var program: Program!

    /// FPC_PT_MAX.
    static let payloadLimit = 1536

    override func setUpWithError() throws {
        program = try CryptoObjectLocator.program()
    }

    // MARK: - RFC 8439 §2.8.2

    func testRFC8439Section282AEADVector() throws {
        let key = try FastPathCryptoKey(key: bytes(hex: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"),
                                        iv: bytes(hex: "070000004041424344454647"), headerProtectionKey: zeros(32))
        let aad = bytes(hex: "50515253c0c1c2c3c4c5c6c7")
        let plaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        XCTAssertEqual(plaintext.count, 114)
        let ciphertext = bytes(hex: """
            d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
            3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
            92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
            3ff4def08e4b7a9de576d26586cec64b6116
            """)
        let tag = bytes(hex: "1ae10b594f09e26a7e902ecbd0600691")

        // pn = 0: the nonce is the IV itself.
        var parameters = Program.Parameters(operation: .aeadSeal, packetNumberOffset: UInt32(aad.count), packetNumber: 0, key: key)
        let sealed = try program.run(parameters, frame: Self.ethernet + aad + plaintext + zeros(16))
        XCTAssertEqual(sealed.status, .ok)
        XCTAssertEqual(sealed.payloadLength, 114)
        XCTAssertEqual(hexString(sealed.output), hexString(Self.ethernet + aad + ciphertext + tag))

        parameters.operation = .aeadOpen
        let opened = try program.run(parameters, frame: Self.ethernet + aad + ciphertext + tag)
        XCTAssertEqual(opened.status, .ok)
        XCTAssertEqual(opened.output, Self.ethernet + aad + plaintext + tag)

        // The associated data is authenticated: one changed bit fails, and nothing is written.
        var badAAD = aad
        badAAD[3] ^= 0x01
        let forged = Self.ethernet + badAAD + ciphertext + tag
        let rejected = try program.run(parameters, frame: forged)
        XCTAssertEqual(rejected.status, .tagMismatch)
        XCTAssertEqual(rejected.output, forged)
    }

    // MARK: - RFC 9001 Appendix A.5

    static let a5Secret = "9ac312a7f877468ebe69422748ad00a15443f18203a07d6060f688f30f21632b"
    static let a5PacketNumber: UInt64 = 654_360_564

    /// The A.5 keys, derived by the QUIC module and checked against the RFC's values.
    func a5Key() throws -> FastPathCryptoKey {
        let protection = PacketProtection(suite: .chacha20Poly1305SHA256, secret: bytes(hex: Self.a5Secret))
        XCTAssertEqual(hexString(protection.keyBytes), "c6d98ff3441c3fe1b2182094f69caa2ed4b716b65488960a7a984979fb23e1c8")
        XCTAssertEqual(hexString(protection.ivBytes), "e0459b3474bdd0e44a41c144")
        XCTAssertEqual(hexString(protection.headerProtectionKeyBytes), "25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4")
        let key = try FastPathCryptoKey(key: protection.keyBytes, iv: protection.ivBytes,
                                        headerProtectionKey: protection.headerProtectionKeyBytes)
        XCTAssertEqual(hexString(key.nonce(packetNumber: Self.a5PacketNumber)), "e0459b3474bdd0e46d417eb0")
        return key
    }

    func testRFC9001AppendixA5ShortHeaderThreeBytePacketNumber() throws {
        let key = try a5Key()
        var parameters = Program.Parameters(operation: .quicSeal, packetNumberOffset: 1, packetNumber: Self.a5PacketNumber, key: key)
        parameters.packetNumberLength = 3
        let sealed = try program.run(parameters, frame: Self.ethernet + bytes(hex: "4200bff4") + [0x01] + zeros(16))
        XCTAssertEqual(sealed.status, .ok)
        XCTAssertEqual(hexString(Array(sealed.output.dropFirst(14))), "4cfe4189655e5cd55c41f69080575d7999c25a5bfb")

        // Open it again, decoding the 3-byte packet number against the largest one received.
        for largest in [Self.a5PacketNumber - 1, Self.a5PacketNumber - 5000, Self.a5PacketNumber + 3000] {
            var open = Program.Parameters(operation: .quicOpen, packetNumberOffset: 1, packetNumber: largest, key: key)
            open.packetNumberLength = 0
            let opened = try program.run(open, frame: Self.ethernet + bytes(hex: "4cfe4189655e5cd55c41f69080575d7999c25a5bfb"))
            XCTAssertEqual(opened.status, .ok, "largest \(largest)")
            XCTAssertEqual(opened.packetNumber, Self.a5PacketNumber)
            XCTAssertEqual(opened.packetNumberLength, 3)
            XCTAssertEqual(opened.firstByte, 0x42)
            XCTAssertEqual(opened.payloadLength, 1)
            XCTAssertEqual(hexString(Array(opened.output.dropFirst(14).prefix(5))), "4200bff401")
        }
    }

    /// The relay always writes 4-byte packet numbers: same keys and packet, pn_len 4. The expected bytes
    /// come from the QUIC module's packet protection (swift-crypto).
    func testRFC9001AppendixA5WithFourBytePacketNumber() throws {
        let key = try a5Key()
        let protection = PacketProtection(suite: .chacha20Poly1305SHA256, secret: bytes(hex: Self.a5Secret))
        let header = bytes(hex: "432700bff4")
        var expected = header
        protection.sealPacket(&expected, payload: [0x01], packetNumber: Self.a5PacketNumber, packetNumberOffset: 1, packetNumberLength: 4)
        XCTAssertEqual(expected.count, 22)

        var parameters = Program.Parameters(operation: .quicSeal, packetNumberOffset: 1, packetNumber: Self.a5PacketNumber, key: key)
        parameters.packetNumberLength = 4
        let sealed = try program.run(parameters, frame: Self.ethernet + header + [0x01] + zeros(16))
        XCTAssertEqual(sealed.status, .ok)
        XCTAssertEqual(hexString(Array(sealed.output.dropFirst(14))), hexString(expected))
        // Same AEAD output as the 3-byte case except for the header in the associated data; the
        // sample now starts at the first ciphertext byte.
        XCTAssertNotEqual(hexString(Array(sealed.output.dropFirst(14))), "4cfe4189655e5cd55c41f69080575d7999c25a5bfb")

        let open = Program.Parameters(operation: .quicOpen, packetNumberOffset: 1, packetNumber: Self.a5PacketNumber - 1, key: key)
        let opened = try program.run(open, frame: Self.ethernet + expected)
        XCTAssertEqual(opened.status, .ok)
        XCTAssertEqual(opened.packetNumber, Self.a5PacketNumber)
        XCTAssertEqual(opened.packetNumberLength, 4)
        XCTAssertEqual(Array(opened.output.dropFirst(14).prefix(6)), header + [0x01])
    }

    /// fpc_quic_nonce: the IV XOR the packet number, big-endian in the last 8 bytes (RFC 9001 §5.3).
    func testQUICNonceIsIVXorPacketNumber() throws {
        let a5 = try a5Key()
        var parameters = Program.Parameters(operation: .nonce, packetNumberOffset: 0, packetNumber: Self.a5PacketNumber, key: a5)
        XCTAssertEqual(hexString(Array(try program.run(parameters, frame: Self.ethernet + zeros(12)).output.dropFirst(14))),
                       "e0459b3474bdd0e46d417eb0")
        var rng = SeededGenerator(seed: 12)
        for packetNumber: UInt64 in [0, 1, 0xff, 0x100, 0xdead_beef, (1 << 62) - 1, UInt64.random(in: 0..<(1 << 62), using: &rng)] {
            parameters.key = try randomKey(&rng)
            parameters.packetNumber = packetNumber
            let nonce = Array(try program.run(parameters, frame: Self.ethernet + zeros(12)).output.dropFirst(14))
            XCTAssertEqual(nonce, parameters.key.nonce(packetNumber: packetNumber))
            XCTAssertEqual(Array(nonce.prefix(4)), Array(parameters.key.iv.prefix(4)), "the first 4 bytes are the IV's")
            let xored = zip(nonce, parameters.key.iv).map { $0 ^ $1 }
            XCTAssertEqual(xored, zeros(4) + bigEndian(packetNumber, 8))
        }
    }

    // MARK: - Agreement with swift-crypto

    /// A full-size packet: 1200-byte UDP payload (1 + 8-byte DCID + 4-byte packet number, 1171 payload
    /// bytes, 16-byte tag) sealed in the kernel, then unprotected and opened by swift-crypto alone.
    func testSealed1200BytePacketOpensWithSwiftCrypto() throws {
        var rng = SeededGenerator(seed: 1200)
        let key = try randomKey(&rng)
        let dcid = randomBytes(8, &rng)
        let packetNumber: UInt64 = 0x1_2345_6789
        let header = [UInt8(0x43)] + dcid + bigEndian(packetNumber, 4)
        let payload = randomBytes(1200 - header.count - 16, &rng)

        let parameters = Program.Parameters(operation: .quicSeal, packetNumberOffset: 9, packetNumber: packetNumber, key: key)
        let sealed = try program.run(parameters, frame: Self.ethernet + header + payload + zeros(16))
        XCTAssertEqual(sealed.status, .ok)
        let packet = Array(sealed.output.dropFirst(14))
        XCTAssertEqual(packet.count, 1200)
        XCTAssertNotEqual(Array(packet[13..<1184]), payload)

        let (unprotected, pnLength) = try SwiftCryptoQUIC.removeHeaderProtection(packet, packetNumberOffset: 9, key: key)
        XCTAssertEqual(pnLength, 4)
        XCTAssertEqual(Array(unprotected.prefix(13)), header)
        let opened = try SwiftCryptoQUIC.open(unprotected, headerLength: 13, packetNumber: packetNumber, key: key)
        XCTAssertEqual(opened, payload)
    }

    /// Every size class the block loops distinguish (empty, partial and whole 16- and 64-byte blocks, the
    /// maximum), each packet-number length: the kernel's seal is byte-identical to swift-crypto's, and the
    /// kernel opens swift-crypto's packets.
    func testKernelAndSwiftCryptoAgreeAtEverySize() throws {
        var rng = SeededGenerator(seed: 8439)
        let key = try randomKey(&rng)
        let sizes = [0, 1, 2, 3, 4, 15, 16, 17, 31, 33, 47, 48, 63, 64, 65, 127, 128, 129, 200, 1024, 1171, 1200, 1535, 1536]
        for pnLength in 1...4 {
            for size in sizes where size + pnLength >= 4 {
                let dcid = randomBytes(pnLength == 2 ? 20 : 8, &rng)
                let pnOffset = 1 + dcid.count
                let packetNumber = UInt64.random(in: 0..<(1 << 40), using: &rng)
                let first = UInt8(0x40 | (pnLength == 3 ? 0x04 : 0) | (pnLength - 1)) // key phase 1 on pn_len 3
                let header = [first] + dcid + bigEndian(packetNumber, pnLength)
                let payload = randomBytes(size, &rng)
                let expected = try SwiftCryptoQUIC.seal(header: header, payload: payload, packetNumber: packetNumber,
                                                         packetNumberOffset: pnOffset, key: key)
                let what = "pn_len \(pnLength), payload \(size)"

                var seal = Program.Parameters(operation: .quicSeal, packetNumberOffset: UInt32(pnOffset), packetNumber: packetNumber, key: key)
                seal.packetNumberLength = UInt32(pnLength)
                let sealed = try program.run(seal, frame: Self.ethernet + header + payload + zeros(16))
                XCTAssertEqual(sealed.status, .ok, what)
                XCTAssertEqual(hexString(Array(sealed.output.dropFirst(14))), hexString(expected), what)

                let open = Program.Parameters(operation: .quicOpen, packetNumberOffset: UInt32(pnOffset),
                                              packetNumber: packetNumber &- 1, key: key)
                let opened = try program.run(open, frame: Self.ethernet + expected)
                XCTAssertEqual(opened.status, .ok, what)
                XCTAssertEqual(opened.packetNumber, packetNumber, what)
                XCTAssertEqual(opened.packetNumberLength, UInt32(pnLength), what)
                XCTAssertEqual(opened.firstByte, first, what)
                XCTAssertEqual(Array(opened.output.dropFirst(14).prefix(header.count + size)), header + payload, what)
            }
        }
    }

    /// Randomised: 300 packets with random keys, DCID lengths 0–20, packet-number lengths, packet numbers
    /// (up to 2^62 - 1) and payload sizes; each sealed by the kernel must equal swift-crypto's, open in
    /// the kernel, and fail once one random bit is flipped.
    func testRandomPacketsAgreeWithSwiftCryptoAndRejectAnyFlippedBit() throws {
        var rng = SeededGenerator(seed: 62)
        for round in 0..<300 {
            let key = try randomKey(&rng)
            let pnLength = Int.random(in: 1...4, using: &rng)
            let dcid = randomBytes(Int.random(in: 0...20, using: &rng), &rng)
            let pnOffset = 1 + dcid.count
            let packetNumber = UInt64.random(in: 0..<(1 << 62), using: &rng)
            let size = Int.random(in: max(0, 4 - pnLength)...1536, using: &rng)
            let first = UInt8(0x40 | (Bool.random(using: &rng) ? 0x04 : 0) | UInt8(pnLength - 1))
            let header = [first] + dcid + bigEndian(packetNumber, pnLength)
            let payload = randomBytes(size, &rng)
            let what = "round \(round): dcid \(dcid.count), pn_len \(pnLength), pn \(packetNumber), payload \(size)"
            let expected = try SwiftCryptoQUIC.seal(header: header, payload: payload, packetNumber: packetNumber,
                                                     packetNumberOffset: pnOffset, key: key)

            var seal = Program.Parameters(operation: .quicSeal, packetNumberOffset: UInt32(pnOffset), packetNumber: packetNumber, key: key)
            seal.packetNumberLength = UInt32(pnLength)
            let sealed = try program.run(seal, frame: Self.ethernet + header + payload + zeros(16))
            XCTAssertEqual(sealed.status, .ok, what)
            XCTAssertEqual(sealed.output, Self.ethernet + expected, what)

            let open = Program.Parameters(operation: .quicOpen, packetNumberOffset: UInt32(pnOffset),
                                          packetNumber: packetNumber &- 1, key: key)
            let opened = try program.run(open, frame: Self.ethernet + expected)
            XCTAssertEqual(opened.status, .ok, what)
            XCTAssertEqual(opened.packetNumber, packetNumber, what)
            XCTAssertEqual(Array(opened.output.dropFirst(14).prefix(header.count + size)), header + payload, what)

            var tampered = expected
            let bit = Int.random(in: 0..<(tampered.count * 8), using: &rng)
            tampered[bit / 8] ^= UInt8(1 << (bit % 8))
            let frame = Self.ethernet + tampered
            let rejected = try program.run(open, frame: frame)
            // Every header bit is authenticated (the header is the AAD). A flip that changes the protected
            // packet-number length can also make the payload one to three bytes longer than the limit.
            let acceptable: [Program.Status] = size > FastPathCryptoTests.payloadLimit - 3 ? [.tagMismatch, .length] : [.tagMismatch]
            XCTAssertTrue(rejected.status.map(acceptable.contains) ?? false, "\(what), bit \(bit): \(String(describing: rejected.status))")
            XCTAssertEqual(rejected.output, frame, "\(what), bit \(bit)")
        }
    }

    // MARK: - Rejection

    /// Any changed bit — payload, tag, DCID, protected packet number or first byte — and a wrong key fail
    /// authentication; the frame is left exactly as it came (the fast path passes such a packet up).
    func testTamperedPacketFailsAuthenticationAndIsLeftUntouched() throws {
        var rng = SeededGenerator(seed: 9001)
        let key = try randomKey(&rng)
        let packetNumber: UInt64 = 4711
        let header = [UInt8(0x43)] + randomBytes(8, &rng) + bigEndian(packetNumber, 4)
        let packet = try SwiftCryptoQUIC.seal(header: header, payload: randomBytes(1171, &rng), packetNumber: packetNumber,
                                              packetNumberOffset: 9, key: key)
        let open = Program.Parameters(operation: .quicOpen, packetNumberOffset: 9, packetNumber: packetNumber - 1, key: key)
        let good = try program.run(open, frame: Self.ethernet + packet)
        XCTAssertEqual(good.status, .ok)

        let cases: [(String, Int, UInt8)] = [
            ("first payload byte", 13, 0x01), ("middle of the payload", 600, 0x80), ("last payload byte", 1183, 0x10),
            ("tag", 1199, 0x01), ("DCID", 4, 0x20), ("protected packet number", 12, 0x01),
            ("protected key-phase bit", 0, 0x04), ("protected packet-number length", 0, 0x01),
        ]
        for (what, index, bit) in cases {
            var tampered = packet
            tampered[index] ^= bit
            let frame = Self.ethernet + tampered
            let result = try program.run(open, frame: frame)
            XCTAssertEqual(result.status, .tagMismatch, what)
            XCTAssertEqual(result.output, frame, "\(what): the frame must be passed up untouched")
        }

        var wrongKey = open
        wrongKey.key = try randomKey(&rng)
        let frame = Self.ethernet + packet
        let result = try program.run(wrongKey, frame: frame)
        XCTAssertEqual(result.status, .tagMismatch)
        XCTAssertEqual(result.output, frame)

        // A packet number decoded into the wrong epoch makes the nonce wrong: rejected too.
        var farAway = open
        farAway.packetNumber = packetNumber + (1 << 33)
        XCTAssertEqual(try program.run(farAway, frame: frame).status, .tagMismatch)
    }

    /// The open can insist on a key phase (the installed keys'): a packet of the other phase is refused
    /// before any AEAD work and left untouched; the right phase opens.
    func testOpenRefusesTheOtherKeyPhase() throws {
        var rng = SeededGenerator(seed: 6)
        let key = try randomKey(&rng)
        for phase in [false, true] {
            let header = [UInt8(0x43 | (phase ? 0x04 : 0))] + randomBytes(8, &rng) + bigEndian(99, 4)
            let payload = randomBytes(500, &rng)
            let packet = try SwiftCryptoQUIC.seal(header: header, payload: payload, packetNumber: 99, packetNumberOffset: 9, key: key)
            var open = Program.Parameters(operation: .quicOpen, packetNumberOffset: 9, packetNumber: 98, key: key)
            open.expectedKeyPhase = !phase
            let refused = try program.run(open, frame: Self.ethernet + packet)
            XCTAssertEqual(refused.status, .keyPhaseMismatch, "phase \(phase)")
            XCTAssertEqual(refused.output, Self.ethernet + packet)
            XCTAssertEqual(refused.firstByte, header[0], "the unprotected first byte is reported")
            open.expectedKeyPhase = phase
            XCTAssertEqual(try program.run(open, frame: Self.ethernet + packet).status, .ok)
            open.expectedKeyPhase = nil
            XCTAssertEqual(try program.run(open, frame: Self.ethernet + packet).status, .ok)
        }
    }

    /// Outside the limits nothing is sealed or opened: a payload over 1536 bytes, a header whose packet
    /// number would lie beyond 32 bytes, a packet too short for a header-protection sample.
    func testLimitsAreEnforced() throws {
        var rng = SeededGenerator(seed: 7)
        let key = try randomKey(&rng)
        let header = [UInt8(0x43)] + randomBytes(8, &rng) + bigEndian(1, 4)
        let seal = Program.Parameters(operation: .quicSeal, packetNumberOffset: 9, packetNumber: 1, key: key)
        let tooLong = Self.ethernet + header + zeros(1537) + zeros(16)
        let result = try program.run(seal, frame: tooLong)
        XCTAssertEqual(result.status, .length)
        XCTAssertEqual(result.output, tooLong)

        var deep = seal
        deep.packetNumberOffset = 29
        XCTAssertEqual(try program.run(deep, frame: Self.ethernet + zeros(33) + zeros(100)).status, .length)

        var short = seal
        short.packetNumberLength = 1
        // payload 2 + pn_len 1 < 4: the sample would run past the tag.
        XCTAssertEqual(try program.run(short, frame: Self.ethernet + Array(header.prefix(10)) + zeros(2) + zeros(16)).status, .length)

        let open = Program.Parameters(operation: .quicOpen, packetNumberOffset: 9, packetNumber: 0, key: key)
        XCTAssertEqual(try program.run(open, frame: Self.ethernet + zeros(9 + 4 + 15)).status, .length)
    }

    // MARK: - The relay's per-copy work

    /// What the encrypted fan-out does to each copy: open the publisher's packet with the upstream keys,
    /// write the subscriber's packet number, seal with the subscriber's keys. swift-crypto opens the copy
    /// with the subscriber's keys; a forged upstream packet produces no copy.
    func testResealOpensUpstreamAndSealsForASubscriber() throws {
        var rng = SeededGenerator(seed: 256)
        let upstreamKey = try randomKey(&rng)
        let subscriberKey = try randomKey(&rng)
        let dcid = randomBytes(8, &rng)
        let upstreamPN: UInt64 = 90_001
        let subscriberPN: UInt64 = 3_000_000_017
        let payload = randomBytes(1000, &rng)
        let upstream = try SwiftCryptoQUIC.seal(header: [0x47] + dcid + bigEndian(upstreamPN, 4), payload: payload,
                                                packetNumber: upstreamPN, packetNumberOffset: 9, key: upstreamKey)

        var parameters = Program.Parameters(operation: .quicReseal, packetNumberOffset: 9, packetNumber: upstreamPN - 1, key: upstreamKey)
        parameters.newKey = subscriberKey
        parameters.newPacketNumber = subscriberPN
        let copy = try program.run(parameters, frame: Self.ethernet + upstream)
        XCTAssertEqual(copy.status, .ok)
        let packet = Array(copy.output.dropFirst(14))
        let (unprotected, pnLength) = try SwiftCryptoQUIC.removeHeaderProtection(packet, packetNumberOffset: 9, key: subscriberKey)
        XCTAssertEqual(pnLength, 4)
        XCTAssertEqual(Array(unprotected.prefix(13)), [0x47] + dcid + bigEndian(subscriberPN, 4), "first byte (key phase) and DCID kept")
        XCTAssertEqual(try SwiftCryptoQUIC.open(unprotected, headerLength: 13, packetNumber: subscriberPN, key: subscriberKey), payload)
        // The upstream keys cannot open the copy.
        XCTAssertThrowsError(try SwiftCryptoQUIC.open(unprotected, headerLength: 13, packetNumber: subscriberPN, key: upstreamKey))

        var forged = upstream
        forged[500] ^= 0x02
        let frame = Self.ethernet + forged
        let rejected = try program.run(parameters, frame: frame)
        XCTAssertEqual(rejected.status, .tagMismatch)
        XCTAssertEqual(rejected.output, frame)
    }

    /// The per-packet shape of the encrypted fan-out: one open, then a bpf_loop whose callback calls a
    /// global per-copy function that seals (itself looping). It passes the verifier, every copy gets its
    /// own packet number, and the last copy opens with swift-crypto; with `noWrite` the original is back.
    func testFanOutSealsEveryCopyWithItsOwnPacketNumber() throws {
        var rng = SeededGenerator(seed: 64)
        let upstreamKey = try randomKey(&rng)
        let subscriberKey = try randomKey(&rng)
        let header = [UInt8(0x43)] + randomBytes(8, &rng) + bigEndian(777, 4)
        let payload = randomBytes(1171, &rng)
        let upstream = try SwiftCryptoQUIC.seal(header: header, payload: payload, packetNumber: 777, packetNumberOffset: 9, key: upstreamKey)
        for copies: UInt16 in [1, 3, 64] {
            var parameters = Program.Parameters(operation: .quicFanout, packetNumberOffset: 9, packetNumber: 776, key: upstreamKey)
            parameters.newKey = subscriberKey
            parameters.newPacketNumber = 5000
            parameters.copies = copies
            let result = try program.run(parameters, frame: Self.ethernet + upstream)
            XCTAssertEqual(result.status, .ok, "\(copies) copies")
            let lastPN = 5000 + UInt64(copies) - 1
            let (unprotected, _) = try SwiftCryptoQUIC.removeHeaderProtection(Array(result.output.dropFirst(14)), packetNumberOffset: 9,
                                                                               key: subscriberKey)
            XCTAssertEqual(Array(unprotected.prefix(13)), Array(header.prefix(9)) + bigEndian(lastPN, 4))
            XCTAssertEqual(try SwiftCryptoQUIC.open(unprotected, headerLength: 13, packetNumber: lastPN, key: subscriberKey), payload)

            parameters.noWrite = true
            let restored = try program.run(parameters, frame: Self.ethernet + upstream, repetitions: 3)
            XCTAssertEqual(restored.status, .ok)
            XCTAssertEqual(restored.output, Self.ethernet + upstream, "the original is restored")
        }
        var forged = upstream
        forged[100] ^= 0x40
        var parameters = Program.Parameters(operation: .quicFanout, packetNumberOffset: 9, packetNumber: 776, key: upstreamKey)
        parameters.newKey = subscriberKey
        parameters.copies = 8
        let rejected = try program.run(parameters, frame: Self.ethernet + forged)
        XCTAssertEqual(rejected.status, .tagMismatch)
        XCTAssertEqual(rejected.output, Self.ethernet + forged, "no copy of a forged packet")
    }

    /// The low-stack ChaCha20 variant (-DFPC_CHACHA_LOW_STACK, for call chains that cannot spare the
    /// default block function's frame) computes the same bytes.
    func testLowStackChaChaVariantAgrees() throws {
        let path = try CryptoObjectLocator.compile(defines: ["FPC_CHACHA_LOW_STACK"], name: "crypto_test-lowstack.bpf.o")
        let lowStack = try Program.load(path: path)
        var rng = SeededGenerator(seed: 512)
        let key = try randomKey(&rng)
        for size in [2, 64, 100, 1171, 1536] {
            let header = [UInt8(0x41)] + randomBytes(8, &rng) + bigEndian(UInt64(size), 2)
            let payload = randomBytes(size, &rng)
            var seal = Program.Parameters(operation: .quicSeal, packetNumberOffset: 9, packetNumber: UInt64(size), key: key)
            seal.packetNumberLength = 2
            let frame = Self.ethernet + header + payload + zeros(16)
            let expected = try SwiftCryptoQUIC.seal(header: header, payload: payload, packetNumber: UInt64(size), packetNumberOffset: 9, key: key)
            XCTAssertEqual(try lowStack.run(seal, frame: frame).output, Self.ethernet + expected, "payload \(size)")
            XCTAssertEqual(try program.run(seal, frame: frame).output, Self.ethernet + expected, "payload \(size)")
        }
    }

    /// `struct fpc_key`'s bytes: key, header-protection key, IV, 4 reserved; other lengths are refused.
    func testKeyLayoutAndValidation() throws {
        let key = try FastPathCryptoKey(key: [UInt8](repeating: 1, count: 32), iv: [UInt8](repeating: 3, count: 12),
                                        headerProtectionKey: [UInt8](repeating: 2, count: 32))
        XCTAssertEqual(key.bytes.count, FastPathCryptoKey.byteCount)
        XCTAssertEqual(key.bytes, [UInt8](repeating: 1, count: 32) + [UInt8](repeating: 2, count: 32) + [UInt8](repeating: 3, count: 12) + zeros(4))
        for (k, iv, hp) in [(16, 12, 32), (32, 8, 32), (32, 12, 16)] {
            XCTAssertThrowsError(try FastPathCryptoKey(key: zeros(k), iv: zeros(iv), headerProtectionKey: zeros(hp))) { error in
                XCTAssertEqual((error as? FastPathError)?.code, .invalidArgument)
            }
        }
    }

    /// The program passes the verifier well below its 1M-instruction limit (the figure is printed for
    /// docs/FASTPATH-CRYPTO.md).
    func testVerifierCostIsReported() throws {
        let processed = try XCTUnwrap(program.verifiedInstructions, program.verifierStatistics)
        print("fp_crypto verifier: \(program.verifierStatistics.trimmingCharacters(in: .whitespacesAndNewlines))")
        XCTAssertGreaterThan(processed, 1000)
        XCTAssertLessThan(processed, 200_000)
    }
}

// MARK: - Helpers

/// QUIC packet protection with swift-crypto only (ChaChaPoly, ChaCha20CTR): the independent side.
enum SwiftCryptoQUIC {
    static func mask(_ sample: ArraySlice<UInt8>, key: FastPathCryptoKey) throws -> [UInt8] {
        let start = sample.startIndex
        let counter = try Insecure.ChaCha20CTR.Counter(data: sample[start..<start + 4])
        let nonce = try Insecure.ChaCha20CTR.Nonce(data: sample[(start + 4)..<(start + 16)])
        return Array(try Insecure.ChaCha20CTR.encrypt([UInt8](repeating: 0, count: 5), using: SymmetricKey(data: key.headerProtectionKey),
                                                      counter: counter, nonce: nonce))
    }

    /// header (unprotected, ending in the packet number) → protected packet.
    static func seal(header: [UInt8], payload: [UInt8], packetNumber: UInt64, packetNumberOffset: Int,
                     key: FastPathCryptoKey) throws -> [UInt8] {
        let box = try ChaChaPoly.seal(payload, using: SymmetricKey(data: key.key),
                                      nonce: ChaChaPoly.Nonce(data: key.nonce(packetNumber: packetNumber)), authenticating: header)
        var packet = header + Array(box.ciphertext) + Array(box.tag)
        let pnLength = header.count - packetNumberOffset
        let m = try mask(packet[(packetNumberOffset + 4)..<(packetNumberOffset + 20)], key: key)
        packet[0] ^= m[0] & 0x1f
        for i in 0..<pnLength { packet[packetNumberOffset + i] ^= m[1 + i] }
        return packet
    }

    /// Protected packet → (packet with the header unprotected, packet-number length).
    static func removeHeaderProtection(_ packet: [UInt8], packetNumberOffset: Int, key: FastPathCryptoKey) throws -> ([UInt8], Int) {
        var out = packet
        let m = try mask(packet[(packetNumberOffset + 4)..<(packetNumberOffset + 20)], key: key)
        out[0] ^= m[0] & 0x1f
        let pnLength = Int(out[0] & 0x03) + 1
        for i in 0..<pnLength { out[packetNumberOffset + i] ^= m[1 + i] }
        return (out, pnLength)
    }

    /// Unprotected packet → payload (throws on authentication failure).
    static func open(_ packet: [UInt8], headerLength: Int, packetNumber: UInt64, key: FastPathCryptoKey) throws -> [UInt8] {
        let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: key.nonce(packetNumber: packetNumber)),
                                           ciphertext: packet[headerLength..<(packet.count - 16)], tag: packet[(packet.count - 16)...])
        return Array(try ChaChaPoly.open(box, using: SymmetricKey(data: key.key), authenticating: packet[0..<headerLength]))
    }
}

func randomBytes(_ count: Int, _ rng: inout SeededGenerator) -> [UInt8] { rng.bytes(count) }

func randomKey(_ rng: inout SeededGenerator) throws -> FastPathCryptoKey {
    try FastPathCryptoKey(key: randomBytes(32, &rng), iv: randomBytes(12, &rng), headerProtectionKey: randomBytes(32, &rng))
}

func zeros(_ count: Int) -> [UInt8] { [UInt8](repeating: 0, count: count) }

func bigEndian(_ value: UInt64, _ length: Int) -> [UInt8] {
    (0..<length).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64(length - 1 - $0))) }
}

func bytes(hex text: String) -> [UInt8] {
    let digits = Array(text.utf8).filter { !($0 == 32 || $0 == 10) }
    return stride(from: 0, to: digits.count - 1, by: 2).map { i in
        UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16)!
    }
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
