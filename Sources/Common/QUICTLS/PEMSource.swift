/// Where PEM-encoded certificate or key material comes from.
public enum PEMSource: Sendable, Equatable {
    /// A PEM file on disk.
    case file(path: String)
    /// PEM text in memory.
    case pem(String)
}
