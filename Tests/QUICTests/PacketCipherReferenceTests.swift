import Crypto
import _CryptoExtras
import XCTest
@testable import QUIC

/// The GnuTLS-backed AES paths of `PacketProtection` (kept key schedules, sealing into the packet) give
/// exactly what swift-crypto's one-shot AES-GCM and AES block permutation give, for both AES suites.
final class PacketCipherReferenceTests: XCTestCase {
    private func secret(_ suite: CipherSuite, seed: UInt8) -> [UInt8] {
        (0..<suite.hashLength).map { UInt8(truncatingIfNeeded: Int($0) &* 13 &+ Int(seed)) }
    }

    private func referenceNonce(iv: [UInt8], packetNumber: UInt64) -> [UInt8] {
        var nonce = iv
        for i in 0..<8 { nonce[nonce.count - 1 - i] ^= UInt8(truncatingIfNeeded: packetNumber >> (8 * UInt64(i))) }
        return nonce
    }

    func testSealOpenAndMaskMatchSwiftCrypto() throws {
        for suite in [CipherSuite.aes128GCMSHA256, .aes256GCMSHA384] {
            let protection = PacketProtection(suite: suite, secret: secret(suite, seed: UInt8(suite.keyLength)))
            let key = SymmetricKey(data: protection.keyBytes)
            for (pn, size) in [(UInt64(0), 1), (0x1234, 100), (0xdead_beef_0102, 1350), (UInt64(1) << 62 - 1, 17)] {
                let header: [UInt8] = [0x41] + (0..<8).map { UInt8(truncatingIfNeeded: $0 &+ size) } + [0x12, 0x34]
                let payload = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(pn & 0xff)) }
                let sealed = protection.seal(payload: payload[...], packetNumber: pn, header: header[...])
                let box = try AES.GCM.seal(payload, using: key,
                                           nonce: AES.GCM.Nonce(data: referenceNonce(iv: protection.ivBytes, packetNumber: pn)),
                                           authenticating: header)
                XCTAssertEqual(sealed, Array(box.ciphertext) + Array(box.tag), "\(suite) pn \(pn)")
                XCTAssertEqual(try protection.open(ciphertext: sealed[...], packetNumber: pn, header: header[...]), payload)
                var tampered = sealed
                tampered[tampered.count - 1] ^= 1
                XCTAssertThrowsError(try protection.open(ciphertext: tampered[...], packetNumber: pn, header: header[...]))
                XCTAssertThrowsError(try protection.open(ciphertext: sealed[...], packetNumber: pn + 1, header: header[...]))

                // sealPacket = header + seal, then header protection with the RFC 9001 §5.4.3 mask.
                // (Only where the packet is long enough to sample; the packet builder pads to guarantee it.)
                if header.count + sealed.count >= 29 {
                    var packet = header
                    protection.sealPacket(&packet, payload: payload, packetNumber: pn, packetNumberOffset: 9, packetNumberLength: 2)
                    var block = Array((header + sealed)[13..<29])
                    try AES.permute(&block, key: SymmetricKey(data: protection.headerProtectionKeyBytes))
                    XCTAssertEqual(protection.headerProtectionMask(sample: (header + sealed)[13..<29]), Array(block[0..<5]))
                    var expected = header + sealed
                    expected[0] ^= block[0] & 0x1f
                    expected[9] ^= block[1]
                    expected[10] ^= block[2]
                    XCTAssertEqual(packet, expected, "\(suite) pn \(pn)")
                }
            }
        }
    }
}
