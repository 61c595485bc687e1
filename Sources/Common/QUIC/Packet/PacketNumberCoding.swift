/// Packet number truncation and recovery (RFC 9000 §17.1, Appendix A.2 and A.3).
public enum PacketNumberCoding {
    /// The number of bytes (1...4) needed to encode `fullPacketNumber` so that a receiver that has
    /// seen `largestAcknowledged` can recover it (Appendix A.2).
    public static func encodedLength(fullPacketNumber: UInt64, largestAcknowledged: UInt64?) -> Int {
        let numUnacked: UInt64
        if let largestAcknowledged, fullPacketNumber > largestAcknowledged {
            numUnacked = fullPacketNumber - largestAcknowledged
        } else if largestAcknowledged == nil {
            numUnacked = fullPacketNumber + 1
        } else {
            numUnacked = 1
        }
        // min_bits = log2(num_unacked) + 1; num_bytes = ceil(min_bits / 8)
        let minBits = (64 - numUnacked.leadingZeroBitCount) + 1
        return min(4, max(1, (minBits + 7) / 8))
    }

    /// The low `length` bytes of the packet number.
    public static func truncate(_ fullPacketNumber: UInt64, length: Int) -> UInt64 {
        fullPacketNumber & ((1 << (UInt64(length) * 8)) - 1)
    }

    /// Recovers a full packet number from its truncated form (Appendix A.3).
    /// - Parameters:
    ///   - largest: the largest packet number successfully processed in this space (nil if none).
    ///   - truncated: the decoded packet number field.
    ///   - length: the field's length in bytes.
    public static func decode(largest: UInt64?, truncated: UInt64, length: Int) -> UInt64 {
        let expected = largest.map { $0 + 1 } ?? 0
        let pnWindow: UInt64 = 1 << (UInt64(length) * 8)
        let pnHalfWindow = pnWindow / 2
        let pnMask = pnWindow - 1
        let candidate = (expected & ~pnMask) | truncated
        if candidate + pnHalfWindow <= expected && candidate < (1 << 62) - pnWindow {
            return candidate + pnWindow
        }
        if candidate > expected + pnHalfWindow && candidate >= pnWindow {
            return candidate - pnWindow
        }
        return candidate
    }
}
