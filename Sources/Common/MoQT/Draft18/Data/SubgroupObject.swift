extension Draft18 {
    /// One object on a subgroup stream (§11.4.2, Figure 25), with its absolute object ID.
    public struct SubgroupObject: Hashable, Sendable {
        /// The object ID.
        public var objectID: UInt64
        /// Object Properties (only sent when the header's PROPERTIES bit is set).
        public var properties: ObjectProperties
        /// The status; anything but `.normal` has an empty payload and no properties.
        public var status: ObjectStatus
        /// The payload.
        public var payload: [UInt8]

        /// An object with a payload (status normal).
        public init(objectID: UInt64, properties: ObjectProperties = [], payload: [UInt8]) {
            self.objectID = objectID
            self.properties = properties
            self.status = .normal
            self.payload = payload
        }

        /// A status-only object (no payload).
        public init(objectID: UInt64, status: ObjectStatus, properties: ObjectProperties = []) {
            self.objectID = objectID
            self.properties = properties
            self.status = status
            self.payload = []
        }
    }
}
