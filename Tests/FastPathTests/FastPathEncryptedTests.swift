import CFastPathABI
import FastPath
import TestSupport
import XCTest

/// The encrypted fast path through the real `fastpath.bpf.o` (BPF_PROG_TEST_RUN): an upstream packet
/// sealed by swift-crypto under the upstream's keys is opened once in the kernel, and each subscriber's
/// copy must equal, byte for byte (outer headers and checksums included), the packet swift-crypto seals
/// for that subscriber from the expected plaintext under the subscriber's keys.
final class FastPathEncryptedTests: XCTestCase {
    static let packetNumberOffset = 1 + FastPathFixture.relayCIDLength

    var rng = SeededGenerator(seed: 14)

    /// The fixture with the upstream's keys installed in slot 0 (key phase `phase`).
    private func encryptedFixture(flags: FastPathFlags = [.enabled, .keepLastRewrite, .noClone], phase: Bool = false,
                                  maxSealedCopies: UInt32 = 0) throws -> (FastPathFixture, FastPathCryptoKey) {
        let fixture = try FastPathFixture(flags: flags)
        try fixture.object.setConfiguration(localConnectionIDLength: FastPathFixture.relayCIDLength, flags: flags,
                                            maxSealedCopies: maxSealedCopies)
        let key = try randomKey(&rng)
        try fixture.object.setKeys(FastPathKeySet(keyPhase: phase, current: key, other: try randomKey(&rng)), upstream: true, id: 0, slot: 0)
        try fixture.object.setUpstream(0, path: fixture.upstreamPath, keySlot: 0)
        return (fixture, key)
    }

    /// Subscriber `id` with its own keys in slot 0 (key phase `phase`).
    private func addEncryptedSubscriber(_ fixture: FastPathFixture, id: UInt32, phase: Bool = false,
                                        nextPacketNumber: UInt64 = 0) throws -> (FastPathSubscriber, FastPathCryptoKey) {
        var s = try fixture.subscriber(id)
        s.keySlot = 0
        let key = try randomKey(&rng)
        try fixture.object.setKeys(FastPathKeySet(keyPhase: phase, current: key, other: try randomKey(&rng)), upstream: false, id: id, slot: 0)
        try fixture.addSubscriber(s, id: id, nextPacketNumber: nextPacketNumber)
        return (s, key)
    }

    /// The upstream packet: the fixture's cleartext media packet, sealed with `key` (packet number 77,
    /// 4 bytes), as a frame.
    private func sealedUpstream(_ fixture: FastPathFixture, key: FastPathCryptoKey, offset: UInt64 = 0, dataLength: Int = 200,
                                keyPhase: Bool = false) throws -> [UInt8] {
        var plain = fixture.mediaPacket(offset: offset, dataLength: dataLength)
        if keyPhase { plain.payload[0] |= 0x04 }
        let h = Self.packetNumberOffset + 4
        plain.payload = try SwiftCryptoQUIC.seal(header: Array(plain.payload[..<h]), payload: Array(plain.payload[h...]), packetNumber: 77,
                                                 packetNumberOffset: Self.packetNumberOffset, key: key)
        return plain.frame
    }

    /// What subscriber `s` must receive: the cleartext copy the cleartext path would write (its CID,
    /// packet number, key phase, stream ID, alias), sealed by swift-crypto under its key.
    private func expected(_ fixture: FastPathFixture, for s: FastPathSubscriber, key: FastPathCryptoKey, packetNumber: UInt64,
                          streamID: UInt64, alias: UInt64, offset: UInt64 = 0, dataLength: Int = 200, keyPhase: Bool = false) throws -> [UInt8] {
        var data: [UInt8] = []
        if offset == 0 { data += Encode.subgroupHeader(alias: alias, group: 9, subgroup: 0, priority: 3) }
        data += (0..<dataLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let quic = Encode.shortPacket(dcid: s.destinationConnectionID, packetNumber: UInt32(truncatingIfNeeded: packetNumber), keyPhase: keyPhase,
                                      streamID: streamID, offset: offset, data: data)
        let h = Self.packetNumberOffset + 4
        let sealed = try SwiftCryptoQUIC.seal(header: Array(quic[..<h]), payload: Array(quic[h...]), packetNumber: packetNumber,
                                              packetNumberOffset: Self.packetNumberOffset, key: key)
        return TestPacket(destinationMAC: s.destinationMAC, sourceMAC: s.sourceMAC, path: s.path, payload: sealed).frame
    }

    /// The UDP payload of an IPv4 frame.
    private func udpPayload(_ frame: [UInt8]) -> [UInt8] { Array(frame[42...]) }

    func testEachCopyIsSealedWithItsSubscribersKeysByteForByte() throws {
        let (fixture, upKey) = try encryptedFixture()
        var subs: [(FastPathSubscriber, FastPathCryptoKey)] = []
        for id in UInt32(0)..<3 {
            subs.append(try addEncryptedSubscriber(fixture, id: id, phase: id == 2, nextPacketNumber: 1000 * UInt64(id) + 5))
        }
        let input = try sealedUpstream(fixture, key: upKey)
        for (id, (s, key)) in subs.enumerated() {
            // One subscriber per run: data_out is its copy (FP_CFG_KEEP_LAST_REWRITE).
            try fixture.setTrack([FastPathTrackSubscriber(subscriberID: UInt32(id), alias: 9 + UInt64(id))])
            let result = try fixture.run(input)
            XCTAssertEqual(result.returnCode, tcActionOK)
            let want = try expected(fixture, for: s, key: key, packetNumber: 1000 * UInt64(id) + 5, streamID: 3, alias: 9 + UInt64(id),
                                    keyPhase: id == 2)
            XCTAssertEqual(result.output, want, "subscriber \(id)'s copy differs:\n got \(hexString(result.output))\nwant \(hexString(want))")
            XCTAssertTrue(InternetChecksum.verify(frame: result.output), "IPv4 and UDP checksums must be valid")
            // Independently: swift-crypto opens it under the subscriber's key alone.
            let (unprotected, pnLength) = try SwiftCryptoQUIC.removeHeaderProtection(udpPayload(result.output),
                                                                                      packetNumberOffset: Self.packetNumberOffset, key: key)
            XCTAssertEqual(pnLength, 4)
            XCTAssertEqual(unprotected[0] & 0x04 != 0, id == 2, "key phase bit")
            XCTAssertEqual(Array(unprotected[1..<Self.packetNumberOffset]), s.destinationConnectionID)
            let pn = unprotected[Self.packetNumberOffset..<Self.packetNumberOffset + 4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            XCTAssertEqual(pn, 1000 * UInt64(id) + 5)
            let plaintext = try SwiftCryptoQUIC.open(unprotected, headerLength: Self.packetNumberOffset + 4, packetNumber: pn, key: key)
            XCTAssertEqual(plaintext.count, 1 + 4 + 4 + 2 + Encode.subgroupHeader(alias: 9, group: 9, subgroup: 0, priority: 3).count + 200)
            let records = try fixture.reader.drain()
            XCTAssertEqual(records.map(\.kind), [.sent])
            XCTAssertEqual(records.first?.packetNumber, 1000 * UInt64(id) + 5)
            XCTAssertEqual(records.first?.packetSize, UInt32(input.count - 42))
            XCTAssertEqual(fixture.shared.snapshot(UInt32(id)).sealed_packets, 1)
        }
        let c = try fixture.object.counters()
        XCTAssertEqual(c.opened, 3)
        XCTAssertEqual(c.sealed, 3)
        XCTAssertEqual(c.openFailed, 0)
    }

    func testMidStreamPacketsAndPacketNumbersFollowTheSharedCounter() throws {
        let (fixture, upKey) = try encryptedFixture()
        let (s, key) = try addEncryptedSubscriber(fixture, id: 0, nextPacketNumber: 0x1_0000_0007)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        _ = try fixture.run(try sealedUpstream(fixture, key: upKey))
        let result = try fixture.run(try sealedUpstream(fixture, key: upKey, offset: 207, dataLength: 1100))
        // The nonce uses the full 64-bit number, the header its low 32 bits.
        let want = try expected(fixture, for: s, key: key, packetNumber: 0x1_0000_0008, streamID: 3, alias: 9, offset: 207, dataLength: 1100)
        XCTAssertEqual(result.output, want)
        XCTAssertEqual(try fixture.reader.drain().map(\.packetNumber), [0x1_0000_0007, 0x1_0000_0008])
    }

    func testOriginalIsPassedUpExactlyAsItArrived() throws {
        let (fixture, upKey) = try encryptedFixture(flags: [.enabled, .noClone])
        var track: [FastPathTrackSubscriber] = []
        for id in UInt32(0)..<4 {
            _ = try addEncryptedSubscriber(fixture, id: id)
            track.append(FastPathTrackSubscriber(subscriberID: id, alias: 9))
        }
        try fixture.setTrack(track)
        let input = try sealedUpstream(fixture, key: upKey, dataLength: 1100)
        let result = try fixture.run(input)
        XCTAssertEqual(result.returnCode, tcActionOK)
        XCTAssertEqual(result.output, input, "the packet passed up must be the one that arrived")
        XCTAssertEqual(try fixture.reader.drain().filter { $0.kind == .sent }.count, 4)
        XCTAssertEqual(try fixture.object.counters().sealed, 4)
    }

    func testTamperedPacketIsPassedUpUntouchedAndNothingIsForwarded() throws {
        let (fixture, upKey) = try encryptedFixture()
        _ = try addEncryptedSubscriber(fixture, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        let good = try sealedUpstream(fixture, key: upKey)
        // Payload, tag, DCID (no owner then: not even opened), protected packet number, first byte's protected bits.
        for position in [42 + 30, good.count - 1, 42 + 3, 42 + Self.packetNumberOffset + 1, 42 + 60] {
            var bad = good
            bad[position] ^= 0x10
            let result = try fixture.run(bad)
            XCTAssertEqual(result.returnCode, tcActionOK)
            XCTAssertEqual(result.output, bad, "flipped byte \(position): the packet must go up untouched")
        }
        // Another key, and the other key phase.
        var wrongKey = try sealedUpstream(fixture, key: try randomKey(&rng))
        XCTAssertEqual(try fixture.run(wrongKey).output, wrongKey)
        wrongKey = try sealedUpstream(fixture, key: upKey, keyPhase: true)
        XCTAssertEqual(try fixture.run(wrongKey).output, wrongKey)
        XCTAssertEqual(try fixture.reader.drain(), [], "nothing may be forwarded")
        let c = try fixture.object.counters()
        XCTAssertEqual(c.forwarded, 0)
        XCTAssertEqual(c.sealed, 0)
        XCTAssertEqual(c.openFailed, 6)
        XCTAssertEqual(fixture.shared.snapshot(0).next_packet_number, 0, "no packet number may be used")
        // The intact packet still goes through afterwards.
        _ = try fixture.run(good)
        XCTAssertEqual(try fixture.object.counters().sealed, 1)
    }

    func testSealCapHandsTheRemainingSubscribersToUserSpace() throws {
        let (fixture, upKey) = try encryptedFixture(flags: [.enabled, .noClone], maxSealedCopies: 2)
        var track: [FastPathTrackSubscriber] = []
        for id in UInt32(0)..<3 {
            _ = try addEncryptedSubscriber(fixture, id: id)
            track.append(FastPathTrackSubscriber(subscriberID: id, alias: 9))
        }
        try fixture.setTrack(track)
        let input = try sealedUpstream(fixture, key: upKey)
        XCTAssertEqual(try fixture.run(input).output, input)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.filter { $0.kind == .sent }.map(\.subscriberID), [0, 1])
        let handoffs = records.filter { $0.kind == .handoff }
        XCTAssertEqual(handoffs.map(\.subscriberID), [2])
        XCTAssertEqual(handoffs.first?.reason, UInt8(FP_REASON_SEAL_CAP.rawValue))
        XCTAssertEqual(try fixture.object.counters().sealCapped, 1)
    }

    func testProtectionMismatchIsHandedToUserSpace() throws {
        let (fixture, upKey) = try encryptedFixture(flags: [.enabled, .noClone])
        try fixture.addSubscriber(try fixture.subscriber(0), id: 0)  // cleartext subscriber, encrypted upstream
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        let input = try sealedUpstream(fixture, key: upKey)
        XCTAssertEqual(try fixture.run(input).output, input)
        let records = try fixture.reader.drain()
        XCTAssertEqual(records.map(\.kind), [.handoff])
        XCTAssertEqual(records.first?.reason, UInt8(FP_REASON_KEYS.rawValue))
    }

    func testKeySlotSwitchTakesTheOtherSlotsKeysAndPhase() throws {
        let (fixture, upKey) = try encryptedFixture()
        var (s, _) = try addEncryptedSubscriber(fixture, id: 0)
        try fixture.setTrack([FastPathTrackSubscriber(subscriberID: 0, alias: 9)])
        // Next phase of both connections in slot 1, then both switched to it.
        let upNext = try randomKey(&rng), subNext = try randomKey(&rng)
        try fixture.object.setKeys(FastPathKeySet(keyPhase: true, current: upNext, other: upKey), upstream: true, id: 0, slot: 1)
        try fixture.object.setUpstream(0, path: fixture.upstreamPath, keySlot: 1)
        try fixture.object.setKeys(FastPathKeySet(keyPhase: true, current: subNext, other: try randomKey(&rng)), upstream: false, id: 0, slot: 1)
        s.keySlot = 1
        try fixture.object.setSubscriber(0, s)
        // A packet of the old phase is no longer opened; one of the new phase is.
        let old = try sealedUpstream(fixture, key: upKey)
        XCTAssertEqual(try fixture.run(old).output, old)
        let result = try fixture.run(try sealedUpstream(fixture, key: upNext, keyPhase: true))
        XCTAssertEqual(result.output, try expected(fixture, for: s, key: subNext, packetNumber: 0, streamID: 3, alias: 9, keyPhase: true))
    }

    func testKeyMapsAreClearedAndSized() throws {
        let (fixture, _) = try encryptedFixture()
        _ = try addEncryptedSubscriber(fixture, id: 3)
        XCTAssertEqual(try fixture.object.keys(upstream: false, id: 3, slot: 0)?.phase.0.key.0 != 0 ||
                       fixture.object.keys(upstream: false, id: 3, slot: 0)?.phase.0.key.1 != 0, true)
        try fixture.object.clearKeys(upstream: false, id: 3)
        let cleared = try XCTUnwrap(try fixture.object.keys(upstream: false, id: 3, slot: 0))
        XCTAssertEqual(withUnsafeBytes(of: cleared) { $0.allSatisfy { $0 == 0 } }, true)
        // Two slots per subscriber: the last subscriber's second slot exists, one beyond does not.
        XCTAssertNotNil(try fixture.object.keys(upstream: false, id: 15, slot: 1))
        XCTAssertNil(try fixture.object.keys(upstream: false, id: 16, slot: 0))
    }

    /// BPF run time of fp_upstream_ingress per packet with 1 and 16 subscribers, encrypted and cleartext
    /// (the same 1200-byte mid-stream packet; original restored, so repetitions see the same input).
    /// Prints one `fastpath-encrypted-cost:` line; checks every copy of every repetition was sealed.
    func testPerCopyCostOfTheEncryptedPath() throws {
        let repeats: UInt32 = 500
        func measure(encrypted: Bool, subscribers: UInt32) throws -> Double {
            let flags: FastPathFlags = [.enabled, .noClone]
            let fixture = try FastPathFixture(flags: flags, ringBufferBytes: 1 << 23)
            var upKey: FastPathCryptoKey?
            if encrypted {
                let key = try randomKey(&rng)
                try fixture.object.setKeys(FastPathKeySet(keyPhase: false, current: key, other: key), upstream: true, id: 0, slot: 0)
                try fixture.object.setUpstream(0, path: fixture.upstreamPath, keySlot: 0)
                upKey = key
            }
            var track: [FastPathTrackSubscriber] = []
            for id in 0..<subscribers {
                if encrypted { _ = try addEncryptedSubscriber(fixture, id: id) } else { try fixture.addSubscriber(try fixture.subscriber(id), id: id) }
                track.append(FastPathTrackSubscriber(subscriberID: id, alias: 9))
            }
            try fixture.setTrack(track)
            let dataLength = 1200 - 24 - 16  // header 13, STREAM frame header 11, tag 16: a 1200-byte encrypted packet
            let first = encrypted ? try sealedUpstream(fixture, key: upKey!) : fixture.mediaPacket(offset: 0).frame
            let packet = encrypted ? try sealedUpstream(fixture, key: upKey!, offset: 207, dataLength: dataLength)
                                   : fixture.mediaPacket(offset: 207, dataLength: dataLength).frame
            XCTAssertEqual(packet.count - 42, encrypted ? 1200 : 1200 - 16)
            _ = try fixture.run(first)
            var best = UInt32.max
            for _ in 0..<3 {
                let result = try fixture.object.testRun(.upstreamIngress, packet: packet, repetitions: repeats)
                XCTAssertEqual(result.output, packet, "the original must be restored after every repetition")
                best = min(best, result.durationNanoseconds)
            }
            let c = try fixture.object.counters()
            XCTAssertEqual(c.forwarded, UInt64(subscribers) * UInt64(1 + 3 * Int(repeats)), "every copy must have been made")
            XCTAssertEqual(c.sealed, encrypted ? c.forwarded : 0)
            return Double(best)
        }
        let enc1 = try measure(encrypted: true, subscribers: 1), enc16 = try measure(encrypted: true, subscribers: 16)
        let clr1 = try measure(encrypted: false, subscribers: 1), clr16 = try measure(encrypted: false, subscribers: 16)
        let encPerCopy = (enc16 - enc1) / 15, clrPerCopy = (clr16 - clr1) / 15
        print(String(format: "fastpath-encrypted-cost: per packet ns: encrypted 1 sub %.0f, 16 subs %.0f, each further copy %.0f; cleartext 1 sub %.0f, 16 subs %.0f, each further copy %.0f",
                     enc1, enc16, encPerCopy, clr1, clr16, clrPerCopy))
        // Open + one seal costs more than a cleartext rewrite, and each sealed copy more than a rewritten one.
        XCTAssertGreaterThan(enc1, clr1)
        XCTAssertGreaterThan(encPerCopy, clrPerCopy)
        XCTAssertLessThan(encPerCopy, 100_000, "a sealed copy must not take 100 µs")
    }
}
