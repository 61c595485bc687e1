/// The connection's source of randomness: the system generator in production, a seeded
/// SplitMix64 in tests so simulated runs are reproducible.
public struct QUICRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    private let seeded: Bool

    /// The system's cryptographically secure generator.
    public init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
        seeded = false
    }

    /// A deterministic generator (tests and simulations only).
    public init(seed: UInt64) {
        state = seed
        seeded = true
    }

    public mutating func next() -> UInt64 {
        if !seeded {
            var system = SystemRandomNumberGenerator()
            return system.next()
        }
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `count` random bytes.
    public mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) } }
}
