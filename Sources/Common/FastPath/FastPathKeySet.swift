import CFastPathABI

/// One connection's 1-RTT keys as the kernel uses them (`struct fp_key_set`): the keys of key phase 0
/// and key phase 1 and which phase is current. For an upstream they open the publisher's packets (the
/// relay's read keys), for a subscriber they seal its copies (the relay's write keys).
public struct FastPathKeySet: Sendable, Equatable {
    /// The current key phase bit.
    public var keyPhase: Bool
    /// Keys of key phase 0 and of key phase 1.
    public var phase0: FastPathCryptoKey
    public var phase1: FastPathCryptoKey
    /// Upstream: the largest packet number received so far (the kernel decodes packet numbers against
    /// it and raises it).
    public var largestPacketNumber: UInt64

    /// Keys for `keyPhase` (current) and the other phase.
    public init(keyPhase: Bool, current: FastPathCryptoKey, other: FastPathCryptoKey, largestPacketNumber: UInt64 = 0) {
        self.keyPhase = keyPhase
        self.phase0 = keyPhase ? other : current
        self.phase1 = keyPhase ? current : other
        self.largestPacketNumber = largestPacketNumber
    }

    var cValue: fp_key_set {
        var k = fp_key_set()
        k.key_phase = keyPhase ? 1 : 0
        k.largest_pn = largestPacketNumber
        withUnsafeMutableBytes(of: &k.phase) { raw in
            raw.copyBytes(from: phase0.bytes + phase1.bytes)
        }
        return k
    }
}
