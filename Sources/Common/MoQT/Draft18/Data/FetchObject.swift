extension Draft18 {
    /// One object of a fetch response (§11.4.4, Figure 27), with absolute IDs.
    ///
    /// Figure 27 has no Object Status: §11.2.1.1 says it "is absent in Objects delivered via a
    /// FETCH", and aiomoqt's draft-18 profile reads nothing after a zero Payload Length. `status`
    /// is therefore always `.normal` on fetch streams (decoded objects have it; the session refuses
    /// to write others — end of group or track is what End of Range and FETCH_OK say).
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
        /// Always `.normal` on the wire (kept so fetched objects convert to and from track objects).
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
