/// Namespace of the MoQT module; see docs/ARCHITECTURE.md for what it holds.
public enum MoQTModule {
    /// The module's name, for diagnostics.
    public static let name = "MoQT"
}
