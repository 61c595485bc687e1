/// Namespace of the QUICIO module; see docs/ARCHITECTURE.md for what it holds.
public enum QUICIOModule {
    /// The module's name, for diagnostics.
    public static let name = "QUICIO"
}
