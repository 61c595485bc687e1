extension Draft18 {
    /// One object of a fetch response (§11.4.4, Figure 27), with absolute IDs. Fetched objects
    /// carry no status: a gap means "does not exist".
    public struct FetchObject: Hashable, Sendable {
        /// Group and object ID.
        public var location: Location
        /// The subgroup the object belongs to, or datagram.
        public var forwarding: ObjectForwardingPreference
        /// The publisher priority.
        public var publisherPriority: UInt8
        /// Object Properties.
        public var properties: ObjectProperties
        /// The payload (possibly empty).
        public var payload: [UInt8]

        /// A fetched object.
        public init(location: Location, forwarding: ObjectForwardingPreference, publisherPriority: UInt8,
                    properties: ObjectProperties = [], payload: [UInt8]) {
            self.location = location
            self.forwarding = forwarding
            self.publisherPriority = publisherPriority
            self.properties = properties
            self.payload = payload
        }
    }

    /// An item on a fetch stream after the FETCH_HEADER.
    public enum FetchStreamItem: Hashable, Sendable {
        /// An object.
        case object(FetchObject)
        /// End of Range (0x8C / 0x10C): every object after the previous item up to and including
        /// `location` does not exist (`nonExistent`) or has unknown status.
        case endOfRange(Location, nonExistent: Bool)
    }
}
