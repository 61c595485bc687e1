import XCTest
@testable import QUIC

/// Packet protection behaviour beyond the RFC vectors: round trips per suite, key update, failures.
final class CryptoProtectionTests: XCTestCase {
    private func secret(_ suite: CipherSuite, seed: UInt8) -> [UInt8] {
        (0..<suite.hashLength).map { UInt8(truncatingIfNeeded: Int($0) &* 7 &+ Int(seed)) }
    }

    func testRoundTripEverySuite() throws {
        for suite in CipherSuite.allCases {
            let protection = PacketProtection(suite: suite, secret: secret(suite, seed: 1))
            XCTAssertEqual(protection.keyBytes.count, suite.keyLength)
            XCTAssertEqual(protection.headerProtectionKeyBytes.count, suite.keyLength)
            XCTAssertEqual(protection.tagLength, 16)
            let header: [UInt8] = [0x41, 1, 2, 3, 4, 5, 6, 7, 8, 0x12, 0x34]
            let payload = [UInt8](repeating: 0xab, count: 100)
            let sealed = protection.seal(payload: payload[...], packetNumber: 0x1234, header: header[...])
            XCTAssertEqual(sealed.count, payload.count + 16)
            var packet = header + sealed
            HeaderProtection.apply(packet: &packet, packetNumberOffset: 9, packetNumberLength: 2, protection: protection)
            XCTAssertNotEqual(Array(packet[..<11]), header, "header protection changed nothing (\(suite))")
            XCTAssertEqual(packet[0] & 0xe0, 0x40, "short header: only the low 5 bits are masked")
            let pnLength = try HeaderProtection.remove(packet: &packet, packetNumberOffset: 9, protection: protection)
            XCTAssertEqual(pnLength, 2)
            XCTAssertEqual(Array(packet[..<11]), header)
            XCTAssertEqual(try protection.open(ciphertext: packet[11...], packetNumber: 0x1234, header: packet[..<11]), payload)
        }
    }

    func testLongHeaderMasksOnlyLowFourBits() {
        let protection = PacketProtection(suite: .aes128GCMSHA256, secret: secret(.aes128GCMSHA256, seed: 3))
        for seed in 0..<32 {
            var packet: [UInt8] = [0xc3, 0, 0, 0, 1, 0, 0, 0, 0, 0] + (0..<30).map { UInt8(truncatingIfNeeded: $0 * seed) }
            HeaderProtection.apply(packet: &packet, packetNumberOffset: 6, packetNumberLength: 4, protection: protection)
            XCTAssertEqual(packet[0] & 0xf0, 0xc0)
        }
    }

    func testWrongKeyFails() {
        let sender = PacketProtection(suite: .aes128GCMSHA256, secret: secret(.aes128GCMSHA256, seed: 1))
        let receiver = PacketProtection(suite: .aes128GCMSHA256, secret: secret(.aes128GCMSHA256, seed: 2))
        let header: [UInt8] = [0x40, 9, 9]
        let sealed = sender.seal(payload: [1, 2, 3][...], packetNumber: 5, header: header[...])
        XCTAssertThrowsError(try receiver.open(ciphertext: sealed[...], packetNumber: 5, header: header[...])) {
            XCTAssertEqual($0 as? PacketProtectionError, .decryptionFailed)
        }
    }

    func testTamperedBytesFail() {
        for suite in CipherSuite.allCases {
            let protection = PacketProtection(suite: suite, secret: secret(suite, seed: 9))
            let header: [UInt8] = [0x40, 9, 9]
            let sealed = protection.seal(payload: [1, 2, 3, 4][...], packetNumber: 77, header: header[...])
            XCTAssertNoThrow(try protection.open(ciphertext: sealed[...], packetNumber: 77, header: header[...]))
            for index in sealed.indices {
                var tampered = sealed
                tampered[index] ^= 0x01
                XCTAssertThrowsError(try protection.open(ciphertext: tampered[...], packetNumber: 77, header: header[...]))
            }
            var badHeader = header
            badHeader[2] ^= 0x80
            XCTAssertThrowsError(try protection.open(ciphertext: sealed[...], packetNumber: 77, header: badHeader[...]))
            XCTAssertThrowsError(try protection.open(ciphertext: sealed[...], packetNumber: 78, header: header[...]))
            XCTAssertThrowsError(try protection.open(ciphertext: sealed[..<10], packetNumber: 77, header: header[...])) {
                XCTAssertEqual($0 as? PacketProtectionError, .packetTooShort)
            }
        }
    }

    func testKeyUpdateDerivation() throws {
        for suite in CipherSuite.allCases {
            let phase0 = PacketProtection(suite: suite, secret: secret(suite, seed: 4))
            let phase1 = phase0.nextKeyPhase()
            let expected = HKDFExpandLabel.expand(secret: phase0.secret, label: "quic ku", length: suite.hashLength, suite: suite)
            XCTAssertEqual(phase1.secret, expected)
            XCTAssertEqual(phase1.secret.count, suite.hashLength)
            XCTAssertEqual(phase1.headerProtectionKeyBytes, phase0.headerProtectionKeyBytes)
            // Keys of phase 1 equal keys derived afresh from the phase-1 secret, except the kept hp key.
            let fresh = PacketProtection(suite: suite, secret: phase1.secret)
            XCTAssertEqual(phase1.keyBytes, fresh.keyBytes)
            XCTAssertEqual(phase1.ivBytes, fresh.ivBytes)
            let header: [UInt8] = [0x44]
            let sealed = phase1.seal(payload: [7][...], packetNumber: 1, header: header[...])
            XCTAssertThrowsError(try phase0.open(ciphertext: sealed[...], packetNumber: 1, header: header[...]))
            XCTAssertEqual(try fresh.open(ciphertext: sealed[...], packetNumber: 1, header: header[...]), [7])
        }
    }

    func testHeaderProtectionRemoveRejectsShortPackets() {
        let protection = PacketProtection(suite: .aes128GCMSHA256, secret: secret(.aes128GCMSHA256, seed: 5))
        var packet = [UInt8](repeating: 0x40, count: 20)
        XCTAssertThrowsError(try HeaderProtection.remove(packet: &packet, packetNumberOffset: 1, protection: protection)) {
            XCTAssertEqual($0 as? PacketProtectionError, .packetTooShort)
        }
        var empty: [UInt8] = []
        XCTAssertThrowsError(try HeaderProtection.remove(packet: &empty, packetNumberOffset: 0, protection: protection))
        var exact = [UInt8](repeating: 0x40, count: 21)
        XCTAssertNoThrow(try HeaderProtection.remove(packet: &exact, packetNumberOffset: 1, protection: protection))
    }

    func testLargePacketNumberNonce() throws {
        let protection = PacketProtection(suite: .aes256GCMSHA384, secret: secret(.aes256GCMSHA384, seed: 6))
        let pn: UInt64 = (1 << 62) - 1
        let sealed = protection.seal(payload: [1][...], packetNumber: pn, header: [0x40][...])
        XCTAssertEqual(try protection.open(ciphertext: sealed[...], packetNumber: pn, header: [0x40][...]), [1])
        XCTAssertThrowsError(try protection.open(ciphertext: sealed[...], packetNumber: pn - 1, header: [0x40][...]))
    }
}
