/// A rational number such as a time base (1/15360) or a frame rate (30/1).
public struct MediaRational: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The numerator.
    public var numerator: Int
    /// The denominator (0 for "unknown").
    public var denominator: Int

    /// A rational `numerator/denominator`.
    public init(_ numerator: Int, _ denominator: Int) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The value as a floating-point number (0 when the denominator is 0).
    public var doubleValue: Double { denominator == 0 ? 0 : Double(numerator) / Double(denominator) }

    public var description: String { "\(numerator)/\(denominator)" }
}
