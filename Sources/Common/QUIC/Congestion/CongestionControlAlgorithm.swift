/// Which congestion controller a connection uses.
public enum CongestionControlAlgorithm: Sendable, Equatable {
    /// NewReno (RFC 9002 §7).
    case newReno
    /// CUBIC (RFC 9438).
    case cubic
}
