/// Namespace of the MoQMedia module; see docs/ARCHITECTURE.md for what it holds.
public enum MoQMediaModule {
    /// The module's name, for diagnostics.
    public static let name = "MoQMedia"
}
