extension Draft18 {
    /// One object of a fetch response (§11.4.4, Figure 27), with absolute IDs.
    ///
    /// Figure 27 has no Object Status, but deployed draft-18 peers (moxygen, aiomoqt) follow a zero
    /// Payload Length with a Status vi64 as on subgroup streams; this codec does the same, so an
    /// empty object carries `status`.
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
        /// The status (sent only with an empty payload; non-normal objects have no payload or properties).
        public var status: ObjectStatus

        /// A fetched object.
        public init(location: Location, forwarding: ObjectForwardingPreference, publisherPriority: UInt8,
                    properties: ObjectProperties = [], payload: [UInt8], status: ObjectStatus = .normal) {
            self.location = location
            self.forwarding = forwarding
            self.publisherPriority = publisherPriority
            self.properties = properties
            self.payload = payload
            self.status = status
        }
    }
}
