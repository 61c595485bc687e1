/// Namespace of the NetSim module; see docs/ARCHITECTURE.md for what it holds.
public enum NetSimModule {
    /// The module's name, for diagnostics.
    public static let name = "NetSim"
}
