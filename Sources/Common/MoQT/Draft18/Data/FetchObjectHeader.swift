extension Draft18 {
    /// A fetch-stream object's fields before its payload, with absolute IDs.
    public struct FetchObjectHeader: Hashable, Sendable {
        /// Group and object ID.
        public var location: Location
        /// Subgroup or datagram.
        public var forwarding: ObjectForwardingPreference
        /// The publisher priority.
        public var publisherPriority: UInt8
        /// Object Properties.
        public var properties: ObjectProperties
        /// The status (`.normal` unless the payload is empty).
        public var status: ObjectStatus
        /// Payload bytes that follow.
        public var payloadLength: UInt64

        /// Object fields.
        public init(location: Location, forwarding: ObjectForwardingPreference, publisherPriority: UInt8,
                    properties: ObjectProperties, status: ObjectStatus, payloadLength: UInt64) {
            self.location = location
            self.forwarding = forwarding
            self.publisherPriority = publisherPriority
            self.properties = properties
            self.status = status
            self.payloadLength = payloadLength
        }
    }

    /// A fetch-stream item up to an object's payload.
    public enum FetchItemHeader: Hashable, Sendable {
        /// An object whose `payloadLength` payload bytes follow.
        case object(FetchObjectHeader)
        /// End of Range (see `FetchStreamItem.endOfRange`).
        case endOfRange(Location, nonExistent: Bool)
    }
}
