/// Namespace of the NetSim module.
public enum NetSimModule {
    /// The module's name, for diagnostics.
    public static let name = "NetSim"
}
