/// Namespace of the Media module; see docs/ARCHITECTURE.md for what it holds.
public enum MediaModule {
    /// The module's name, for diagnostics.
    public static let name = "Media"
}
