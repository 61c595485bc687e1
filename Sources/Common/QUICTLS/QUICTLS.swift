/// Namespace of the QUICTLS module; see docs/ARCHITECTURE.md for what it holds.
public enum QUICTLSModule {
    /// The module's name, for diagnostics.
    public static let name = "QUICTLS"
}
