extension Draft18 {
    /// An item on a fetch stream after the FETCH_HEADER.
    public enum FetchStreamItem: Hashable, Sendable {
        /// An object.
        case object(FetchObject)
        /// End of Range (0x8C / 0x10C): every object after the previous item up to and including
        /// `location` does not exist (`nonExistent`) or has unknown status.
        case endOfRange(Location, nonExistent: Bool)
    }
}
